#!/usr/bin/env node
// dmar-rmrr.mjs IN.hex OUT.aml BASE:END:BB:DD.F ...
// Appends one RMRR per argument (ACPI DMAR, Intel VT-d spec 8.4: type 1, a
// PCI-endpoint device scope) to the DMAR QEMU built, fixes length and
// checksum and raises the OEM revision: the kernel's initrd ACPI table
// upgrade (drivers/acpi/tables.c, acpi_table_initrd_override) only replaces a
// table with a lower revision.
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output, ...specs] = process.argv.slice(2);
const table = Buffer.from(readFileSync(input, 'utf8').replace(/[^0-9a-f]/gi, ''), 'hex');
if (table.subarray(0, 4).toString() !== 'DMAR') throw new Error(`${input}: not a DMAR table`);
const parts = [table];
for (const spec of specs) {
  const m = /^(0x[0-9a-f]+):(0x[0-9a-f]+):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(spec);
  if (!m) throw new Error(`${spec}: expected BASE:END:BB:DD.F`);
  const rmrr = Buffer.alloc(32);
  rmrr.writeUInt16LE(1, 0); // type RMRR
  rmrr.writeUInt16LE(32, 2); // 24 + one 8-byte scope
  rmrr.writeBigUInt64LE(BigInt(m[1]), 8);
  rmrr.writeBigUInt64LE(BigInt(m[2]), 16);
  // scope: type 1 (endpoint), length 8, enumeration id 0, start bus, path (device, function)
  Buffer.from([1, 8, 0, 0, 0, parseInt(m[3], 16), parseInt(m[4], 16), parseInt(m[5], 16)]).copy(rmrr, 24);
  parts.push(rmrr);
}
const out = Buffer.concat(parts);
out.writeUInt32LE(out.length, 4);
out.writeUInt32LE(out.readUInt32LE(24) + 1, 24);
out[9] = 0;
out[9] = (256 - (out.reduce((s, b) => s + b, 0) % 256)) % 256;
writeFileSync(output, out);
console.log(`dmar-rmrr: ${output}, ${out.length} bytes, ${specs.length} RMRRs`);
