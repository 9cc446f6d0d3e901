// Reads and validates a scenario file. Strict: unknown keys are errors with a
// did-you-mean; every error names file:line:col. Defaults live in defaults.ts
// and are documented in scenarios/REFERENCE.yaml.
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { PAGE_SIZE, formatRange } from '../model/addr.js';
import type { Host } from '../model/host.js';
import { InputError } from '../errors.js';
import { type Cursor, VERSION, openYaml } from './cursor.js';
import { checkAgainstLayout } from './load-checks.js';
import { SCENARIO_DEFAULTS as D } from './defaults.js';
import { LIMITS } from './limits.js';
import { readFileOrFail, readHost, readRangeWith } from './load-host.js';
import { loadRelative, readTimeline } from './load-timeline.js';
import { versionAtLeast } from '../vmm/layout.js';
import { ALIGNMENTS } from '../guest/alignment.js';
import { PLACEMENT_NAMES } from '../guest/placement/registry.js';
import { PRESET_NAMES, WORKLOAD_PRESETS } from '../guest/presets.js';
import type { DeclaredAtCreation, DeviceSpec, FleetMember, GuestProfile, Scenario, SourceFileInfo, TimelineEvent, VmSpec } from './types.js';
import { USERSPACES } from '../userspace/registry.js';
import { USERSPACE_IDS } from '../userspace/types.js';
import { simulationOverBudget } from './work-budget.js';

export { LIMITS } from './limits.js';

export function loadScenarioFile(path: string, displayName = path): Scenario {
  const bytes = readFileOrFail(path, displayName, 'scenario');
  if (bytes.length > LIMITS.fileBytes) throw new InputError(`${displayName}: file is ${bytes.length} bytes`, `a scenario of at most ${LIMITS.fileBytes} bytes`);
  return parseScenario(bytes.toString('utf8'), displayName, path);
}

/** `file` names the scenario in messages; `path` is where host files are looked up from. */
export function parseScenario(text: string, file: string, path = file): Scenario {
  const sha256 = createHash('sha256').update(text).digest('hex');
  const root = openYaml(text, file, 'scenario');
  const f = root.map(['name', 'title', 'source', 'description', 'counterfactual', 'host', 'vm', 'vmm', 'vmms', 'guests', 'devices', 'timeline', 'declared_at_creation']);
  const need = (k: string) => f.get(k) ?? root.fail(`missing '${k}'`, `a '${k}' field`);
  const name = need('name').string();
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) need('name').fail(`'${name}' is not a scenario name`, 'lowercase letters, digits, . _ -');
  if (name.length > 128) need('name').fail(`a scenario name of ${name.length} characters`, 'at most 128 (it names chart files)');
  const files: SourceFileInfo[] = [{ file, sha256 }];
  const ctx = { scenarioPath: path, displayDir: dirname(file) === '.' ? '' : dirname(file), files };
  const hostCursor = need('host');
  // `host: hosts/d05.yaml` names a host file; a mapping is a host written inline.
  let host: Host;
  let hostFile: string | undefined;
  if (hostCursor.isString) {
    const loaded = loadRelative(hostCursor.string(), ctx, hostCursor);
    host = loaded.host;
    hostFile = loaded.file;
  } else host = readHost(hostCursor);
  const vm = readVm(need('vm'), host);
  const guests = f.get('guests')?.present ? readGuests(f.get('guests')!) : D.guests;
  const vmms = readFleet(f.get('vmm'), f.get('vmms'), vm);
  const devices = readDevices(need('devices'), host, hostFile);
  const timeline = readTimeline(need('timeline'), { devices, ...ctx });
  const declaredAtCreation = f.get('declared_at_creation')?.present ? readDeclared(f.get('declared_at_creation')!, devices, timeline, ctx) : D.declaredAtCreation;
  const scenario: Scenario = {
    name,
    title: need('title').string(),
    source: need('source').string(),
    description: need('description').string().replace(/\s+/g, ' ').trim(),
    ...(f.get('counterfactual')?.present ? { counterfactual: f.get('counterfactual')!.string().replace(/\s+/g, ' ').trim() } : {}),
    file,
    sha256,
    host,
    ...(hostFile ? { hostFile } : {}),
    files,
    vm,
    guests,
    vmms,
    devices,
    timeline,
    declaredAtCreation,
  };
  checkAgainstLayout(scenario, need('timeline'), need('devices'));
  // The work one trial demands, checked here so that validate refuses what run would.
  const over = simulationOverBudget(scenario);
  if (over) need('timeline').fail(...over);
  return scenario;
}

/** `declared_at_creation: { devices: [NAME], hosts: [FILE] }`: devices of the scenario, destinations its migrate events name. */
function readDeclared(c: Cursor, devices: readonly DeviceSpec[], timeline: readonly TimelineEvent[], ctx: Parameters<typeof loadRelative>[1]): DeclaredAtCreation {
  const f = c.map(['devices', 'hosts']);
  const names = f.get('devices')?.present ? f.get('devices')!.seq().map((d) => {
    const name = d.string();
    if (!devices.some((x) => x.name === name)) d.fail(`unknown device '${name}'`, `one of: ${devices.map((x) => x.name).join(', ')}`);
    return name;
  }) : [];
  const destinations = timeline.flatMap((e) => (e.kind === 'migrate' ? e.pool.map((p) => p.file) : []));
  const hosts = f.get('hosts')?.present ? f.get('hosts')!.seq().map((h) => {
    const file = loadRelative(h.string(), ctx, h).file;
    if (!destinations.includes(file)) h.fail(`host ${h.string()} is not a migration destination of the timeline`, destinations.length ? `one of: ${[...new Set(destinations)].join(', ')}` : 'a host file named by a migrate event');
    return file;
  }) : [];
  return { devices: names, hosts };
}

/** `doorbell run --host FILE`: the same scenario on another host. */
export function withHost(s: Scenario, host: Host, hostFile: string, sha256: string): Scenario {
  for (const d of s.devices) {
    if (!host.groups.some((g) => g.id === d.group)) {
      throw new InputError(`--host ${hostFile}: no IOMMU group ${d.group} for device '${d.name}' of scenario ${s.name}`, `a host with group ${d.group}`);
    }
  }
  const files = [...s.files.filter((x) => x.file !== s.hostFile), { file: hostFile, sha256 }];
  return { ...s, host, hostFile, files };
}

function readVm(c: Cursor, host: Host): VmSpec {
  const f = c.map(['machine', 'ram', 'qemu', 'machine_version', 'cpu_vendor', 'cpu_model', 'phys_bits', 'pci_hole64', 'vga', 'viommu', 'ranges', 'sw_msi_doorbells']);
  const machine = (f.get('machine') ?? c.fail("missing 'machine'", 'virt, q35, pc, explicit, openvmm-linux or openvmm-uefi')).enumOf(['virt', 'q35', 'pc', 'explicit', 'openvmm-linux', 'openvmm-uefi'] as const);
  const rangeCursors = f.get('ranges')?.present ? f.get('ranges')!.seq() : undefined;
  const ranges = rangeCursors?.map((x) => readRangeWith(x, []).range);
  if (machine === 'explicit' && !ranges) c.fail("machine 'explicit' without 'ranges'", 'a list of RAM ranges');
  if (machine !== 'explicit' && ranges) f.get('ranges')!.fail(`'ranges' with machine '${machine}'`, 'machine: explicit');
  if (ranges && rangeCursors) {
    const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : 1));
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.start <= sorted[i - 1]!.last) {
        f.get('ranges')!.fail(`RAM ranges ${formatRange(sorted[i - 1]!)} and ${formatRange(sorted[i]!)} overlap`, 'disjoint RAM ranges');
      }
    }
    ranges.forEach((r, i) => {
      if (r.start % PAGE_SIZE !== 0n || (r.last + 1n) % PAGE_SIZE !== 0n) rangeCursors[i]!.fail(`${formatRange(r)} is not page aligned`, '4 KiB aligned start and end');
    });
  }
  const ramCursor = f.get('ram');
  // `explicit` means the ranges are the RAM (vmm/layout.ts layoutFor): a size beside them would be ignored.
  if (ranges && ramCursor?.present) ramCursor.fail("'ram' with machine 'explicit'", "the RAM as 'ranges' alone (their sizes add up to the RAM)");
  const ram = ranges ? ranges.reduce((s, r) => s + r.last - r.start + 1n, 0n) : (ramCursor ?? c.fail("missing 'ram'", 'a size such as 4GiB')).quantity();
  if (ram === 0n || ram % PAGE_SIZE !== 0n) (ramCursor ?? c).fail(`RAM size ${ram} is not a positive multiple of 4 KiB`, 'a size such as 4GiB');
  if (ram > 1n << 52n) (ramCursor ?? c).fail(`RAM size ${ram} is absurd`, 'at most 4 PiB');
  // OpenVMM's machines are aarch64 guests (vmm/layout.ts openvmmLayout).
  const cpuDefault = host.arch === 'aarch64' || machine.startsWith('openvmm') ? 'arm' : host.iommu === 'amd' ? 'amd' : 'intel';
  const pciHole = f.get('pci_hole64')?.quantity();
  const physBits = f.get('phys_bits')?.int(32, 64);
  const qemu = f.get('qemu')?.version() ?? D.vm.qemu;
  const mv = f.get('machine_version');
  const machineVersion = mv?.string();
  // A QEMU binary offers its own and older versioned machine types only.
  if (mv && machineVersion !== undefined && !(VERSION.test(machineVersion) && versionAtLeast(qemu, machineVersion))) {
    mv.fail(`machine type version '${machineVersion}' is not one QEMU ${qemu} has`, `a version such as 7.0, at most ${qemu}`);
  }
  return {
    machine,
    ram,
    qemu,
    ...(machineVersion !== undefined ? { machineVersion } : {}),
    cpuVendor: f.get('cpu_vendor')?.enumOf(['amd', 'intel', 'arm'] as const) ?? cpuDefault,
    cpuModel: f.get('cpu_model')?.enumOf(['host', 'max', 'named'] as const) ?? D.vm.cpuModel,
    ...(physBits !== undefined ? { physBits } : {}),
    ...(pciHole !== undefined ? { pciHole64: pciHole } : {}),
    vga: f.get('vga')?.bool() ?? D.vm.vga,
    viommu: f.get('viommu')?.bool() ?? D.vm.viommu,
    ...(ranges ? { ranges } : {}),
    swMsiDoorbells: f.get('sw_msi_doorbells')?.int(1, 256) ?? D.vm.swMsiDoorbells,
  };
}

function readGuests(c: Cursor): GuestProfile[] {
  const list = c.seq();
  if (list.length === 0) c.fail('is empty', 'at least one guest profile');
  const guests = list.map((g) => {
    const f = g.map(['name', 'weight', 'honours']);
    const honours = (f.get('honours')?.present ? f.get('honours')!.seq() : []).map((h) => h.enumOf(['firmware', 'runtime'] as const));
    return { name: (f.get('name') ?? g.fail("missing 'name'", 'a profile name')).string(), weight: f.get('weight')?.positive() ?? 1, honours };
  });
  c.weightSum(guests.map((g) => g.weight));
  return guests;
}

/** `vmm: NAME` or `vmms: [{ name, weight }]`; a userspace driver's IOVAs are process addresses, listed as ranges. */
function readFleet(one: Cursor | undefined, many: Cursor | undefined, vm: VmSpec): FleetMember[] {
  if (one?.present && many?.present) many.fail("both 'vmm' and 'vmms'", "one of 'vmm' (a userspace) or 'vmms' (a weighted fleet)");
  const read = (c: Cursor) => c.enumOf(USERSPACE_IDS);
  let fleet: { c: Cursor; member: FleetMember }[];
  if (many?.present) {
    const list = many.seq();
    if (list.length === 0) many.fail('is empty', 'at least one userspace');
    fleet = list.map((m) => {
      const f = m.map(['name', 'weight']);
      return { c: m, member: { userspace: read(f.get('name') ?? m.fail("missing 'name'", `one of: ${USERSPACE_IDS.join(', ')}`)), weight: f.get('weight')?.positive() ?? 1 } };
    });
    many.weightSum(fleet.map((x) => x.member.weight));
  } else if (one?.present) fleet = [{ c: one, member: { userspace: read(one), weight: 1 } }];
  else return D.vmms;
  for (const { c, member } of fleet) {
    if (USERSPACES[member.userspace].iova === 'process-va' && vm.machine !== 'explicit') {
      c.fail(`${member.userspace} maps process addresses (IOVA-as-VA), not a '${vm.machine}' guest's RAM`, "vm.machine: explicit with the driver's memory as ranges");
    }
    // A VMM with its own layout builds only its machines; theirs belong to no other VMM.
    const own = USERSPACES[member.userspace].machines;
    if (own ? !own.includes(vm.machine) : vm.machine.startsWith('openvmm')) {
      c.fail(`${member.userspace} does not build the '${vm.machine}' machine`, own ? `vm.machine: ${own.join(' or ')}` : 'vm.machine: virt, q35, pc or explicit');
    }
  }
  return fleet.map((x) => x.member);
}

function readDevices(c: Cursor, host: Host, hostFile: string | undefined): DeviceSpec[] {
  const names = new Set<string>();
  return c.seq().map((d) => {
    const f = d.map(['name', 'group', 'workload']);
    const name = (f.get('name') ?? d.fail("missing 'name'", 'a device name')).string();
    if (names.has(name)) f.get('name')!.fail(`duplicate device '${name}'`, 'unique device names');
    names.add(name);
    const gc = f.get('group') ?? d.fail("missing 'group'", 'an IOMMU group id of the host');
    const group = gc.int(0, 1_000_000);
    if (!host.groups.some((g) => g.id === group)) gc.fail(`unknown group ${group}${hostFile ? ` in ${hostFile}` : ''}`, `one of: ${host.groups.map((g) => g.id).join(', ')}`);
    const w = f.get('workload')?.present ? f.get('workload')!.map(['preset', 'buffers', 'buffer_size', 'low_bias', 'placement', 'alignment']) : new Map<string, Cursor>();
    const presetName = w.get('preset')?.enumOf(PRESET_NAMES);
    const preset = presetName === undefined ? undefined : WORKLOAD_PRESETS.get(presetName)!;
    const base = preset ?? D.workload;
    const bufferBytes = w.get('buffer_size')?.quantity() ?? base.bufferBytes;
    if (bufferBytes === 0n || bufferBytes % PAGE_SIZE !== 0n || bufferBytes > 1n << 40n) {
      (w.get('buffer_size') ?? d).fail(`buffer size ${bufferBytes} is not a multiple of 4 KiB up to 1 TiB`, 'e.g. 4KiB, 64KiB, 2MiB');
    }
    return {
      name,
      group,
      workload: {
        buffers: w.get('buffers')?.int(1, 1_000_000) ?? base.buffers,
        bufferBytes,
        lowBias: w.get('low_bias')?.fraction() ?? D.workload.lowBias,
        placement: w.get('placement')?.enumOf(PLACEMENT_NAMES) ?? base.placement,
        alignment: w.get('alignment')?.enumOf(ALIGNMENTS) ?? base.alignment,
        ...(presetName === undefined ? {} : { preset: presetName, ...(preset!.churn === undefined ? {} : { churn: preset!.churn }) }),
      },
    };
  });
}
