"""Moves the lesson's Net between PyTorch and mnist-lab through safetensors state dicts.

  python3 interop.py evaluate --data DIR --weights FILE --preset bn   # load into Net, evaluate in PyTorch
  python3 interop.py train --data DIR --preset relu --out FILE        # train Net one epoch, save its state dict

safetensors is read and written here with the standard library (Debian has no python3-safetensors):
an 8-byte little-endian header length, a JSON header, then the raw little-endian tensors.
"""
import argparse
import json

import torch

import lesson

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64}
NAMES = {v: k for k, v in DTYPES.items()}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = bytearray(data[8 + n + begin : 8 + n + end])
        out[name] = torch.frombuffer(raw, dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"]).clone()
    return out


def save_safetensors(state, path):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(state):
        t = state[name].detach().cpu().contiguous()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text + b"".join(blobs))


def evaluate(model, test_loader):
    model.eval()
    criterion = torch.nn.CrossEntropyLoss()
    test_loss, correct = 0.0, 0
    with torch.no_grad():
        for image, label in test_loader:
            output = model(image)
            test_loss += criterion(output, label).item()
            correct += output.max(1, keepdim=True)[1].eq(label.view_as(output.max(1, keepdim=True)[1])).sum().item()
    n = len(test_loader.dataset)
    return test_loss / n, 100.0 * correct / n


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["evaluate", "train"])
    parser.add_argument("--data", required=True)
    parser.add_argument("--preset", default="relu", choices=sorted(lesson.PRESETS))
    parser.add_argument("--weights")
    parser.add_argument("--out")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    train_loader, test_loader = lesson.loaders(args.data, 32, True, 0, 0)
    preset = lesson.PRESETS[args.preset]
    model = lesson.Net(preset["activation"], preset["batch_norm"])
    if args.command == "evaluate":
        model.load_state_dict(load_safetensors(args.weights), strict=True)
    else:
        if preset["he"]:
            model.apply(lesson.weight_init)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
        criterion = torch.nn.CrossEntropyLoss()
        model.train()
        for image, label in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(image), label)
            loss.backward()
            optimizer.step()
        save_safetensors(model.state_dict(), args.out)
    test_loss, accuracy = evaluate(model, test_loader)
    print(json.dumps({"event": args.command, "preset": args.preset, "lessonTestLoss": test_loss, "testAccuracy": accuracy / 100}))


if __name__ == "__main__":
    main()
