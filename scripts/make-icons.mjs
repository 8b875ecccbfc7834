// Draws podhost's icons (app icon and one tray icon per state) as PNGs into build/.
// Run again after changing a colour: node scripts/make-icons.mjs
import { deflateSync } from "node:zlib";
import { mkdirSync, writeFileSync } from "node:fs";

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};

/** A ring (the pod) with a filled centre of `dotRadius` (its state), anti-aliased, on transparency. */
function icon(size, [r, g, b], dotRadius = 0.5) {
  const rows = [];
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    const row = [0];
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c) / (size / 2);
      const ring = Math.max(0, Math.min(1, (0.95 - d) * size / 2)) * (d > 0.72 ? 1 : 0);
      const dot = Math.max(0, Math.min(1, (dotRadius - d) * size / 2));
      const alpha = Math.max(ring, dot);
      row.push(r, g, b, Math.round(alpha * 255));
    }
    rows.push(Buffer.from(row));
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8;
  header[9] = 6;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(Buffer.concat(rows))), chunk("IEND", Buffer.alloc(0))]);
}

const colours = { stopped: [120, 120, 128], starting: [214, 150, 20], running: [30, 150, 80], failing: [200, 50, 50] };
mkdirSync("build/tray", { recursive: true });
for (const [state, colour] of Object.entries(colours)) {
  writeFileSync(`build/tray/${state}.png`, icon(22, colour));
  writeFileSync(`build/tray/${state}@2x.png`, icon(44, colour));
}
writeFileSync("build/icon.png", icon(512, [40, 90, 170]));

// macOS menu bar icons are template images (black and alpha; the system colours them for light and
// dark menu bars, and the "Template" name tells Electron so): the state is the size of the centre.
const macDots = { stopped: 0, starting: 0.28, running: 0.5, failing: 0.72 };
mkdirSync("build/tray/mac", { recursive: true });
for (const [state, dot] of Object.entries(macDots)) {
  writeFileSync(`build/tray/mac/${state}Template.png`, icon(16, [0, 0, 0], dot));
  writeFileSync(`build/tray/mac/${state}Template@2x.png`, icon(32, [0, 0, 0], dot));
}
