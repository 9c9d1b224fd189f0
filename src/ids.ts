// Task ids: UUIDv7, so ids sort by creation time and new rows land at the end of the primary-key index.
import { randomFillSync } from "node:crypto";

const bytes = new Uint8Array(16);
const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function newTaskId(now: number = Date.now()): string {
  randomFillSync(bytes, 6);
  let time = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  let id = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) id += "-";
    id += hex[bytes[i]!];
  }
  return id;
}
