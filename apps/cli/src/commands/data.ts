import { existsSync } from 'node:fs';
import { KNOWN_DATASETS, labelHistogram, verifyDataset } from '@mnist-lab/data';
import {
  defaultCacheDir,
  downloadDataset,
  embeddedMnistDir,
  findIdxFiles,
  readIdxFile,
  sha256Hex,
} from '@mnist-lab/data/node';
import { FileError } from '@mnist-lab/errors/node';
import { type Command, Option } from 'commander';
import { DEBIAN_FASHION_MNIST, dataLocation, loadData } from '../data-source';
import { UsageError } from '../errors';
import { Output } from '../output';

interface DataOptions {
  dataset: 'mnist' | 'fashion-mnist';
  data?: string;
  json?: boolean;
  quiet?: boolean;
  cache?: string;
}

/** The flags of every `data` command; `local` adds `--data DIR` (a download has no local files). */
const dataOptions = (cmd: Command, local = true) => {
  cmd.addOption(
    new Option('--dataset <name>', 'dataset').choices(['mnist', 'fashion-mnist']).default('mnist'),
  );
  if (local) cmd.option('--data <dir>', 'a directory with the four IDX files (gzipped or not)');
  return cmd
    .option('--json', 'one JSON object on stdout')
    .option('-q, --quiet', 'print nothing but errors');
};

/** The directory whose files `verify` hashes, when the data comes from one. */
function sourceDir(opts: DataOptions): string | undefined {
  if (opts.data !== undefined) return opts.data;
  if (opts.dataset === 'mnist') return embeddedMnistDir();
  return existsSync(DEBIAN_FASHION_MNIST) ? DEBIAN_FASHION_MNIST : undefined;
}

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('inspect, verify and download datasets');
  dataOptions(data.command('info').description('counts, image size and label histograms')).action(
    dataInfo,
  );
  dataOptions(
    data
      .command('verify')
      .description('check counts, shapes, label histograms and SHA-256s against the known facts'),
  ).action(dataVerify);
  dataOptions(
    data
      .command('download')
      .description('download a dataset into the cache, verifying its SHA-256s'),
    false,
  )
    .option('--cache <dir>', 'cache directory (default $MNIST_LAB_CACHE or ~/.cache/mnist-lab)')
    .option(
      '--mirror <url...>',
      "base URLs holding the gzipped IDX files, tried in order (default: the dataset's known mirrors)",
    )
    .action(dataDownload);
}

/** `data info`: counts, image size and label histograms. */
async function dataInfo(opts: DataOptions): Promise<void> {
  const output = new Output(opts);
  const splits = await loadData(opts);
  const info = {
    event: 'data-info',
    dataset: splits.name,
    source: dataLocation(opts),
    rows: splits.train.rows,
    cols: splits.train.cols,
    numClasses: splits.train.numClasses,
    train: { count: splits.train.count, labels: labelHistogram(splits.train) },
    test: { count: splits.test.count, labels: labelHistogram(splits.test) },
  };
  output.event(info);
  output.line(`${info.dataset} from ${info.source}`);
  output.line(`images ${info.rows}×${info.cols}, ${info.numClasses} classes`);
  output.line(`train: ${info.train.count} examples, per class ${info.train.labels.join(' ')}`);
  output.line(`test:  ${info.test.count} examples, per class ${info.test.labels.join(' ')}`);
}

/** `data verify`: the known facts and SHA-256s, each check printed; exit 1 if one fails. */
async function dataVerify(opts: DataOptions): Promise<void> {
  const output = new Output(opts);
  const facts = KNOWN_DATASETS[opts.dataset];
  if (facts === undefined) throw new Error(`no known facts for ${opts.dataset}`);
  const splits = await loadData(opts);
  const report = verifyDataset(splits, facts);
  const checks = [...report.checks];
  const dir = sourceDir(opts);
  if (dir !== undefined) {
    for (const [role, file] of Object.entries(await findIdxFiles(dir)) as [
      keyof typeof facts.sha256,
      string,
    ][]) {
      const actual = sha256Hex(await readIdxFile(file));
      checks.push({
        check: `${role} SHA-256`,
        ok: actual === facts.sha256[role],
        expected: facts.sha256[role],
        actual,
      });
    }
  }
  const ok = checks.every((c) => c.ok);
  output.event({
    event: 'data-verify',
    dataset: facts.name,
    source: dataLocation(opts),
    ok,
    checks,
  });
  for (const c of checks)
    output.line(
      `${c.ok ? output.c.green('ok  ') : output.c.red('FAIL')} ${c.check}${c.ok ? '' : `: expected ${c.expected}, got ${c.actual}`}`,
    );
  output.line(
    ok
      ? `${facts.name}: all ${checks.length} checks passed`
      : `${facts.name}: ${checks.filter((c) => !c.ok).length} of ${checks.length} checks failed`,
  );
  if (!ok) process.exitCode = 1;
}

/** `data download`: into the cache, verified. */
async function dataDownload(opts: DataOptions & { mirror?: string[] }): Promise<void> {
  const output = new Output(opts);
  const cacheDir = opts.cache ?? defaultCacheDir();
  let splits: Awaited<ReturnType<typeof downloadDataset>>;
  try {
    splits = await downloadDataset({
      dataset: opts.dataset,
      cacheDir,
      ...(opts.mirror === undefined ? {} : { mirrors: opts.mirror }),
      onEvent: (e) =>
        output.log(
          e.type === 'failed'
            ? `${e.url}: ${e.reason}`
            : `${e.type} ${'url' in e ? e.url : e.file}`,
        ),
    });
  } catch (error) {
    // The cache folder cannot be made or written: said as the flag's fault, not a mirror's.
    if (FileError.isInstance(error)) throw new UsageError(`--cache ${cacheDir}: ${error.message}`);
    throw error;
  }
  output.event({
    event: 'data-download',
    dataset: splits.name,
    dir: `${cacheDir}/${splits.name}`,
    train: splits.train.count,
    test: splits.test.count,
  });
  output.line(`${splits.name}: verified in ${cacheDir}/${splits.name}`);
}
