#!/usr/bin/env node
// Conformance oracle: trains an ORT-format artifact directory in ONNX Runtime's own training runtime
// (onnxruntime-web 1.19.2, wasm, single-threaded) and reports what happened as JSON on stdout.
//
//   node run-training.cjs --artifacts DIR --batch DIR [--steps N] [--out DIR] [--params-after K,...]
//
// --artifacts holds training_model.onnx, eval_model.onnx, optimizer_model.onnx and checkpoint.
// --batch holds one <input>.npy per training and eval input (float32, int64, int32 or bool; C order).
// Each step is runTrainStep + runOptimizerStep + lazyResetGrad on that batch; the eval loss is taken before the first
// step and after the last. With --out, the parameters are written there as flat float32 .npy files in the runtime's
// order (training-graph input order) before the first step (params_initial[_all].npy) and after each step K of
// --params-after (default 1: params_step1[_all].npy); the plain files hold the trainable parameters, the _all files
// every parameter. Exit code 0 with {"ok": true, ...}; 1 with {"ok": false, "error": ...} on any failure.
'use strict';

const fs = require('fs');
const path = require('path');
const Module = require('module');

const ort = loadOrtTraining();
ort.env.wasm.numThreads = 1; // deterministic, and no worker threads

// onnxruntime-web's package exports hide the training build from Node ("./training": {"node": null}), so its
// CommonJS bundle is loaded by path; it finds its .wasm beside itself and needs no network. One fix is applied to the
// bundle's JavaScript first (and the wasm module is made reachable, see below): getContiguousParameters and loadParametersBuffer (1.19.2) pass a pointer from
// stackAlloc to _free, which corrupts the wasm heap; later calls then hang or fail with "memory access out of bounds",
// depending on the heap layout. The pointer is released by the stackRestore that follows, so the _free is dropped.
// Nothing in ONNX Runtime's training code (the wasm) is touched.
function loadOrtTraining() {
  const file = path.join(__dirname, 'node_modules', 'onnxruntime-web', 'dist', 'ort.training.wasm.js');
  const bug = 'wasm2._free(dimsOffset);';
  const source = fs.readFileSync(file, 'utf8');
  const found = source.split(bug).length - 1;
  if (found !== 2) throw new Error(`${file}: expected the stack-pointer _free twice, found it ${found} times; is this onnxruntime-web 1.19.2?`);
  const patched = new Module(file, module);
  patched.filename = file;
  patched.paths = Module._nodeModulePaths(path.dirname(file));
  // The second change only exposes the wasm module (for the heap), so that a C++ exception's message can be read.
  const expose = 'getInstance = () => {';
  if (source.split(expose).length !== 2) throw new Error(`${file}: expected one getInstance definition`);
  patched._compile(source.split(bug).join('/* freed by stackRestore */').replace(expose, `${expose} globalThis.__ortWasm = wasm;`), file);
  return patched.exports;
}

function parseArgs(argv) {
  const args = { steps: 5, paramsAfter: [1] };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case '--artifacts': args.artifacts = value(); break;
      case '--batch': args.batch = value(); break;
      case '--steps': args.steps = Number.parseInt(value(), 10); break;
      case '--out': args.out = value(); break;
      case '--params-after': args.paramsAfter = value().split(',').filter(v => v).map(v => Number.parseInt(v, 10)); break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!args.artifacts || !args.batch) throw new Error('usage: run-training.cjs --artifacts DIR --batch DIR [--steps N] [--out DIR] [--params-after K,...]');
  if (!(args.steps >= 0)) throw new Error('--steps must be a non-negative integer');
  return args;
}

// ---- .npy (format 1.0-3.0, little-endian, C order) ----------------------------------------------------------------

const NPY_TYPES = {
  '<f4': { ort: 'float32', array: Float32Array },
  '<i8': { ort: 'int64', array: BigInt64Array },
  '<i4': { ort: 'int32', array: Int32Array },
  '|b1': { ort: 'bool', array: Uint8Array },
};

function readNpy(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.length < 10 || bytes[0] !== 0x93 || bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file} is not a .npy file`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order is not supported`);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map(s => s.trim()).filter(s => s).map(Number);
  const type = NPY_TYPES[descr];
  if (!type) throw new Error(`${file}: unsupported dtype ${descr}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const data = bytes.subarray(start + headerLength);
  // Copy into an aligned buffer: the data offset in the file need not be a multiple of the element size.
  const aligned = new Uint8Array(count * type.array.BYTES_PER_ELEMENT);
  aligned.set(data.subarray(0, aligned.length));
  const values = type.ort === 'bool' ? aligned : new type.array(aligned.buffer);
  return new ort.Tensor(type.ort, values, shape);
}

function writeNpyFloat32(file, values) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${values.length},), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from([0x93]).copy(prefix, 0);
  prefix.write('NUMPY', 1, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]));
}

// ---- training ------------------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const read = name => new Uint8Array(fs.readFileSync(path.join(args.artifacts, name)));
  const session = await ort.TrainingSession.create({
    checkpointState: read('checkpoint'),
    trainModel: read('training_model.onnx'),
    evalModel: read('eval_model.onnx'),
    optimizerModel: read('optimizer_model.onnx'),
  });
  try {
    const feedsFor = names => Object.fromEntries(names.map(n => [n, readNpy(path.join(args.batch, `${n}.npy`))]));
    const trainFeeds = feedsFor(session.trainingInputNames);
    const evalFeeds = feedsFor(session.evalInputNames);
    const lossName = session.trainingOutputNames[0];
    const evalLoss = async () => (await session.runEvalStep(evalFeeds))[session.evalOutputNames[0]].data[0];
    const result = {
      ok: true,
      ort: ort.env.versions,
      trainingInputNames: session.trainingInputNames,
      trainingOutputNames: session.trainingOutputNames,
      evalInputNames: session.evalInputNames,
      evalOutputNames: session.evalOutputNames,
      parametersSize: { trainable: await session.getParametersSize(true), all: await session.getParametersSize(false) },
      evalLossBefore: await evalLoss(),
      losses: [],
      evalLossAfter: null,
      paramFiles: {},
    };
    const saveParameters = async label => {
      if (!args.out) return;
      fs.mkdirSync(args.out, { recursive: true });
      for (const [suffix, trainableOnly] of [['', true], ['_all', false]]) {
        const file = path.join(args.out, `params_${label}${suffix}.npy`);
        writeNpyFloat32(file, (await session.getContiguousParameters(trainableOnly)).data);
        result.paramFiles[label + suffix] = file;
      }
    };

    await saveParameters('initial');
    for (let step = 1; step <= args.steps; step++) {
      const outputs = await session.runTrainStep(trainFeeds);
      result.losses.push(outputs[lossName].data[0]);
      await session.runOptimizerStep();
      await session.lazyResetGrad();
      if (args.paramsAfter.includes(step)) await saveParameters(`step${step}`);
    }
    result.evalLossAfter = await evalLoss();
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await session.release();
  }
}

// A C++ exception that escapes the wasm module arrives as a bare number: a pointer to the exception object. ONNX
// Runtime's exception holds its what() text as a std::string, whose heap pointer is among the object's first words;
// the longest printable NUL-terminated string they point to is that text.
function cxxExceptionMessage(pointer) {
  const heap = globalThis.__ortWasm?.HEAPU8;
  if (!heap) return null;
  const view = new DataView(heap.buffer);
  let best = null;
  for (let offset = 0; offset < 128 && pointer + offset + 4 <= heap.length; offset += 4) {
    const at = view.getUint32(pointer + offset, true);
    if (at < 1024 || at >= heap.length) continue;
    const end = heap.indexOf(0, at);
    if (end < 0 || end - at < 16 || end - at > 16384) continue;
    const text = Buffer.from(heap.subarray(at, end)).toString('latin1');
    if (/^[\x20-\x7e\t\r\n]+$/.test(text) && (!best || text.length > best.length)) best = text;
  }
  return best;
}

main().catch(e => {
  const error = typeof e === 'number'
    ? `ONNX Runtime threw a C++ exception inside wasm: ${cxxExceptionMessage(e) ?? `(pointer ${e}; its message could not be read)`}`
    : String(e && e.message ? e.message : e);
  process.stdout.write(JSON.stringify({ ok: false, error }) + '\n');
  process.exitCode = 1;
});
