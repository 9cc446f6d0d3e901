import type { Host } from '../model/host.js';
import { iommufdKernel } from './iommufd.js';
import { permissiveKernel } from './permissive.js';
import { type KernelEra, type KernelModel } from './types.js';
import { type1Kernel } from './type1.js';

export * from './types.js';

export function kernelFor(era: KernelEra, host: Host): KernelModel {
  switch (era) {
    case 'v4.9':
    case 'v4.11':
      return permissiveKernel(era)(host);
    case 'type1':
      return type1Kernel(host);
    case 'iommufd':
      return iommufdKernel(host);
  }
}
