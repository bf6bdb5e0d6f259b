import { readFileSync } from 'node:fs';

/** Linux clock ticks per second for /proc CPU times (USER_HZ, 100 on every mainstream kernel). */
const TICKS_PER_SEC = 100;

/** CPU seconds of the whole machine so far (all cores), from /proc/stat; undefined off Linux. */
export function machineCpuSeconds(): { busy: number; steal: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const { busy, steal } = parseCpuTicks(line);
    return { busy: busy / TICKS_PER_SEC, steal: steal / TICKS_PER_SEC };
  } catch {
    return undefined;
  }
}

/**
 * Ticks of the `cpu` line of /proc/stat: busy (run by this machine: all but idle, iowait and steal)
 * and steal (taken by the hypervisor for other machines).
 */
export function parseCpuTicks(cpuLine: string): { busy: number; steal: number } {
  const fields = cpuLine.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: user + nice + system + irq + softirq, steal };
}

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat; undefined if gone. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return parseProcessTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / TICKS_PER_SEC;
  } catch {
    return undefined;
  }
}

/** utime + stime of a /proc/PID/stat line (fields 14 and 15; the name in parentheses may hold spaces). */
export function parseProcessTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
