// Worker side of the snapshot sharing test: looks a name up in the SharedArrayBuffer it was given, then
// writes a marker into the serial word of that (throwaway) snapshot, which the main thread must see in its
// own view: proof that both threads address the same memory rather than copies.
import { parentPort, workerData } from 'node:worker_threads';
import { nameFromText } from '../../engine/codec/name.ts';
import { H_SERIAL, HEADER_WORDS } from '../../engine/snapshot/layout.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';

const snap = new ZoneSnapshot(workerData as SharedArrayBuffer);
const wire = nameFromText('www.example.com.');
const node = snap.findNode(wire, 0, wire.length);
Atomics.store(new Int32Array(snap.buffer, 0, HEADER_WORDS), H_SERIAL, 0x5a5a);
parentPort!.postMessage(node);
