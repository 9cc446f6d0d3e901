// A VM file: a libvirt domain XML (it starts with `<`) or a QEMU command line.
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { parseDomainXml } from './libvirt.js';
import { parseQemuCommandLine } from './qemu-cmdline.js';
import type { VmInput } from './vm-input.js';

export function readVmFile(path: string): VmInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read the VM (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'a libvirt domain XML (virsh dumpxml NAME > vm.xml) or a file with a QEMU command line');
  }
  return text.trimStart().startsWith('<') ? parseDomainXml(text, path) : parseQemuCommandLine(text, path);
}
