// Lines of a pasted capture that are not data: shell prompts with their
// command (`$ `, `# `, `host:/$ `, `root@d05:~# `, `[root@x 19]# `), a
// leading `cat …` line, `head`'s `==> FILE <==` headers, an echoed group
// directory. Where one names a group (iommu_groups/3/reserved_regions, or
// `cat reserved_regions` run inside .../iommu_groups/19), the data lines
// after it belong to that group.

/** A prompt: `$`, `#` or `>` after nothing, a `[user@host dir]` or a `user@host:dir` word. */
const PROMPT = /^(\[[^\]]*\]|[^\s$#>]*)\s?[$#>](\s|$)/;
const COMMANDS = new Set(['cat', 'grep', 'sort', 'find', 'for', 'echo', 'ls', 'sudo', 'head', 'tail', 'tee', 'cd', 'less', 'more']);
const GROUP_IN_PATH = /iommu_groups\/([0-9]{1,7})(\/|$|\s)/;

export interface CommandLine {
  /** The group the following data lines belong to, when this line names one. */
  readonly group?: number;
}

/** undefined when `line` (trimmed) is data: a region line or something to report as bad data. */
export function readCommandLine(line: string): CommandLine | undefined {
  const header = /^==> (.*) <==$/.exec(line);
  if (header) return groupOf(header[1]!, undefined);
  if (/^\S*iommu_groups\/[0-9]{1,7}\/?$/.test(line)) return groupOf(line, undefined);
  const prompt = PROMPT.exec(line);
  if (prompt && !line.startsWith('0x')) {
    const command = line.slice(prompt[0].length).trim();
    return groupOf(command, cwdOf(prompt[1]!));
  }
  const first = line.split(/\s/)[0]!;
  if (COMMANDS.has(first)) return groupOf(line, undefined);
  return undefined;
}

/** The directory a prompt shows: `user@host:DIR` (Debian) or `[user@host DIR]` (Red Hat). */
function cwdOf(prefix: string): string | undefined {
  if (prefix.startsWith('[')) return prefix.slice(1, -1).split(/\s+/).pop();
  const colon = prefix.lastIndexOf(':');
  return colon >= 0 ? prefix.slice(colon + 1) : undefined;
}

function groupOf(command: string, cwd: string | undefined): CommandLine {
  const named = GROUP_IN_PATH.exec(command);
  if (named) return { group: Number(named[1]) };
  // `cat reserved_regions` inside a group's directory: the prompt's directory names the group.
  const relative = /^cat\s+(\.\/)?reserved_regions(\s|$)/.test(command);
  const dir = cwd?.replace(/\/$/, '').split('/').pop();
  if (relative && dir !== undefined && /^[0-9]{1,7}$/.test(dir)) return { group: Number(dir) };
  return {};
}

/** A line quoted in a mail reply (`> `, `> > `) without its quote marks. */
export function stripMailQuote(line: string): string {
  const m = /^(\s*>\s?)+/.exec(line);
  return m && /^(\s*>\s?)+(0x|\S*iommu_groups\/)/.test(line) ? line.slice(m[0].length) : line;
}

/** Text that is nothing but reserved_regions lines (bare or grep -H) and the command lines around them. */
export function looksLikeCapture(text: string): boolean {
  let data = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = stripMailQuote(raw).trim();
    if (line === '' || readCommandLine(line)) continue;
    if (!/^(\S*iommu_groups\/[0-9]+\/reserved_regions:)?\s*0x[0-9a-f]+\s+0x[0-9a-f]+\s+\S+$/i.test(line)) return false;
    data++;
  }
  return data > 0;
}
