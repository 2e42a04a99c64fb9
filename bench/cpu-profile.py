#!/usr/bin/env python3
"""Where a command's CPU goes, for docs/testing.md ("Eighth session"): runs the command and samples, each second,
the machine's busy cores (/proc/stat) and every Java thread's CPU time (/proc/<pid>/task/<tid>/stat). At the end it
prints the busy cores per second, the idle core-seconds, and the CPU seconds per role and thread name (numbers in a
name folded to N), roles told by the command line: 'fork' (a surefire or failsafe JVM), 'jar' (a packaged
quarkus-run.jar the ITs start), 'maven', 'java-other'. A thread that starts and ends between two samples is missed.

    python3 bench/cpu-profile.py ./mvnw -B -ntp -o verify
"""
import collections
import os
import re
import subprocess
import sys
import time

TICK = os.sysconf('SC_CLK_TCK')
CORES = os.cpu_count()


def role(pid, roles):
    if pid not in roles:
        try:
            cmd = open(f'/proc/{pid}/cmdline', 'rb').read().replace(b'\0', b' ').decode(errors='replace')
        except OSError:
            return None
        exe = cmd.split(' ')[0]
        if not exe.endswith('java'):
            return None  # not kept: a shell such as mvnw may exec java under the same pid
        if 'classworlds' in cmd:  # before the forks: Maven's own command line may name surefire
            roles[pid] = 'maven'
        elif 'surefire' in cmd:
            roles[pid] = 'fork'
        elif 'quarkus-run.jar' in cmd:
            roles[pid] = 'jar'
        else:
            roles[pid] = 'java-other'
    return roles[pid]


def busy_and_total():
    fields = [int(v) for v in open('/proc/stat').readline().split()[1:9]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    command = subprocess.Popen(sys.argv[1:])
    roles, last, busy = {}, {}, []
    previous = busy_and_total()
    while command.poll() is None:
        for pid in filter(str.isdigit, os.listdir('/proc')):
            r = role(pid, roles)
            if not r:
                continue
            try:
                tids = os.listdir(f'/proc/{pid}/task')
            except OSError:
                continue
            for tid in tids:
                try:
                    stat = open(f'/proc/{pid}/task/{tid}/stat').read()
                except OSError:
                    continue
                name = stat[stat.index('(') + 1:stat.rindex(')')]
                fields = stat[stat.rindex(')') + 2:].split()
                last[(pid, tid)] = (r, name, int(fields[11]) + int(fields[12]))
        time.sleep(1)
        current = busy_and_total()
        busy.append(CORES * (current[0] - previous[0]) / max(1, current[1] - previous[1]))
        previous = current
    per_thread = collections.Counter()
    for r, name, ticks in last.values():
        per_thread[(r, re.sub(r'\d+', 'N', re.sub(r'[-#\s]*\d+$', '', name)))] += ticks
    print('busy cores, a value per second:', ' '.join(f'{b:.2f}' for b in busy))
    print(f'{len(busy)} s, {sum(busy):.0f} core-s busy, {CORES * len(busy) - sum(busy):.0f} core-s idle')
    for (r, name), ticks in per_thread.most_common(30):
        print(f'{ticks / TICK:9.1f} CPU s  {r:10} {name}')
    sys.exit(command.returncode)


if __name__ == '__main__':
    main()
