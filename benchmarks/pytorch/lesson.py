"""The PyTorch MNIST MLP lesson, kept faithful, as mnist-lab's reference.

The network, optimizer, loss, loops and printed metrics are the lesson's code (see the seed notebook):
784-512-256-10, SGD(lr=0.01, momentum=0.5), CrossEntropyLoss on log_softmax outputs, batch 32,
shuffled training batches. What is added: the data directory as an argument (any folder holding the
four IDX files), the four presets, seeds, subsets, and --preload, which replaces the per-image PIL
DataLoader with tensors converted once (the same values as ToTensor).

Usage: python3 lesson.py --data DIR [--preset relu] [--epochs 10] [--seed 1] [--preload]
       [--threads 1] [--train-size N] [--test-size N] [--json]
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import time

# torch.set_num_threads limits PyTorch's own threads, not those of the OpenBLAS that Debian's build
# calls for its matrix products (measured: "1 thread" still ran the products on 2 OpenBLAS threads).
# OpenBLAS reads OPENBLAS_NUM_THREADS when it loads, with torch: --threads sets it first.
if "--threads" in sys.argv[1:-1]:
    os.environ["OPENBLAS_NUM_THREADS"] = sys.argv[sys.argv.index("--threads") + 1]

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init
from torchvision import datasets, transforms

PRESETS = {
    "sigmoid": dict(activation="sigmoid", batch_norm=False, he=False),
    "relu": dict(activation="relu", batch_norm=False, he=False),
    "bn": dict(activation="relu", batch_norm=True, he=False),
    "he": dict(activation="relu", batch_norm=True, he=True),
}


class Net(nn.Module):
    """The lesson's Net; `batch_norm` and `activation` select among its four versions."""

    def __init__(self, activation="relu", batch_norm=False):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(28 * 28, 512)
        self.fc2 = nn.Linear(512, 256)
        self.fc3 = nn.Linear(256, 10)
        self.dropout_prob = 0.5
        self.use_bn = batch_norm
        if batch_norm:
            self.batch_norm1 = nn.BatchNorm1d(512)
            self.batch_norm2 = nn.BatchNorm1d(256)
        self.act = torch.sigmoid if activation == "sigmoid" else F.relu

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        x = self.fc1(x)
        if self.use_bn:
            x = self.batch_norm1(x)
        x = self.act(x)
        x = F.dropout(x, training=self.training, p=self.dropout_prob)
        x = self.fc2(x)
        if self.use_bn:
            x = self.batch_norm2(x)
        x = self.act(x)
        x = F.dropout(x, training=self.training, p=self.dropout_prob)
        x = self.fc3(x)
        x = F.log_softmax(x, dim=1)
        return x


def weight_init(m):
    if isinstance(m, nn.Linear):
        init.kaiming_uniform_(m.weight.data)


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndims = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def loaders(data_dir, batch_size, preload, train_size, test_size, device=None):
    names = {
        "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }
    if preload:
        def tensors(split, size):
            images = torch.from_numpy(read_idx(os.path.join(data_dir, names[split][0])).copy()).float().div(255)
            labels = torch.from_numpy(read_idx(os.path.join(data_dir, names[split][1])).astype(np.int64))
            images = images.unsqueeze(1)
            if size:
                images, labels = images[:size], labels[:size]
            if device is not None:
                # Preloaded on the GPU: no copy per step.
                images, labels = images.to(device), labels.to(device)
            return torch.utils.data.TensorDataset(images, labels)

        train_dataset, test_dataset = tensors("train", train_size), tensors("test", test_size)
    else:
        # torchvision wants ROOT/MNIST/raw/<uncompressed IDX files>; link the given directory there.
        root = tempfile.mkdtemp(prefix="mnist-lab-torch-")
        os.makedirs(os.path.join(root, "MNIST", "raw"))
        for pair in names.values():
            for name in pair:
                os.symlink(os.path.abspath(os.path.join(data_dir, name)), os.path.join(root, "MNIST", "raw", name))
        train_dataset = datasets.MNIST(root=root, train=True, download=False, transform=transforms.ToTensor())
        test_dataset = datasets.MNIST(root=root, train=False, transform=transforms.ToTensor())
        if train_size:
            train_dataset = torch.utils.data.Subset(train_dataset, range(train_size))
        if test_size:
            test_dataset = torch.utils.data.Subset(test_dataset, range(test_size))
    train_loader = torch.utils.data.DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True)
    test_loader = torch.utils.data.DataLoader(dataset=test_dataset, batch_size=batch_size, shuffle=False)
    return train_loader, test_loader


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="directory holding the four uncompressed MNIST IDX files")
    parser.add_argument("--preset", default="relu", choices=sorted(PRESETS))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--preload", action="store_true", help="tensors converted once instead of the per-image PIL DataLoader")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--train-size", type=int, default=0)
    parser.add_argument("--test-size", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="one JSON object per epoch on stdout")
    parser.add_argument("--on-device", action="store_true", help="with --preload: keep the tensors on the GPU (CUDA) where there is one")
    args = parser.parse_args()

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.seed is not None:
        torch.manual_seed(args.seed)
    DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    on_device = DEVICE if args.on_device and args.preload and DEVICE.type == "cuda" else None
    train_loader, test_loader = loaders(args.data, args.batch_size, args.preload, args.train_size, args.test_size, on_device)
    preset = PRESETS[args.preset]
    model = Net(preset["activation"], preset["batch_norm"]).to(DEVICE)
    if preset["he"]:
        model.apply(weight_init)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    criterion = nn.CrossEntropyLoss()

    def train(model, train_loader, optimizer):
        model.train()
        for batch_idx, (image, label) in enumerate(train_loader):
            image = image.to(DEVICE)
            label = label.to(DEVICE)
            optimizer.zero_grad()
            output = model(image)
            loss = criterion(output, label)
            loss.backward()
            optimizer.step()

    def evaluate(model, test_loader):
        model.eval()
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for image, label in test_loader:
                image = image.to(DEVICE)
                label = label.to(DEVICE)
                output = model(image)
                test_loss += criterion(output, label).item()
                prediction = output.max(1, keepdim=True)[1]
                correct += prediction.eq(label.view_as(prediction)).sum().item()
        test_loss /= len(test_loader.dataset)
        test_accuracy = 100.0 * correct / len(test_loader.dataset)
        return test_loss, test_accuracy

    for Epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        train(model, train_loader, optimizer)
        train_seconds = time.perf_counter() - start
        test_loss, test_accuracy = evaluate(model, test_loader)
        seconds = time.perf_counter() - start
        if args.json:
            print(json.dumps({
                "event": "epoch", "preset": args.preset, "seed": args.seed, "epoch": Epoch,
                # Accuracy as a fraction, like mnist-lab's JSON (the text below prints percent).
                "lessonTestLoss": test_loss, "testAccuracy": test_accuracy / 100, "trainSeconds": train_seconds,
                "seconds": seconds, "steps": len(train_loader), "threads": torch.get_num_threads(),
                "preload": args.preload, "device": str(DEVICE),
                "gpu": torch.cuda.get_device_name(0) if DEVICE.type == "cuda" else None,
                "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }), flush=True)
        else:
            print("\n[EPOCH: {}], \tTest Loss: {:.4f}, \tTest Accuracy: {:2f} %\n".format(Epoch, test_loss, test_accuracy))


if __name__ == "__main__":
    main()
