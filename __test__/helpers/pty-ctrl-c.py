# Runs `secret-guard run -- node <child>` in a pseudo-terminal and types Ctrl+C, as a
# user does: the terminal signals the whole foreground process group. Prints what the
# command wrote (it counts the SIGINTs it receives) and the CLI's exit status.
# Usage: python3 pty-ctrl-c.py CLI CWD NODE
import os, pty, sys, time, select
cli, cwd, node = sys.argv[1], sys.argv[2], sys.argv[3]
child_js = 'let n=0;process.on("SIGINT",()=>{n++;console.log("child got SIGINT #"+n);if(n===1)setTimeout(()=>{console.log("child exits after "+n);process.exit(0)},500)});console.log("ready");setInterval(()=>{},1000)'
pid, fd = pty.fork()
if pid == 0:
    os.chdir(cwd)
    os.execv(node, [node, cli, 'run', '--', node, '-e', child_js])
out = b''
def read_until(pat, t):
    global out
    end = time.time() + t
    while time.time() < end and pat not in out:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try: out += os.read(fd, 4096)
            except OSError: break
read_until(b'ready', 15)
os.write(fd, b'\x03')  # Ctrl+C: the terminal signals the foreground process group
read_until(b'child exits', 10)
time.sleep(0.3)
try:
    while True:
        r, _, _ = select.select([fd], [], [], 0.2)
        if not r: break
        d = os.read(fd, 4096)
        if not d: break
        out += d
except OSError: pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace').replace('\r', ''))
print('STATUS', os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status))
