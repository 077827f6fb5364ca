"""Writes the examples of the README's sections "Use the schemas from ..." to a folder, so
that .ci/packages runs them against the installed packages: readme-N.mjs, readme-N.ts and
readme-N.py, and readme-N.out with what the example must print when the README shows it (a
```text block next after the example, prose between allowed)."""
import pathlib
import re
import sys

EXTENSIONS = {"js": "mjs", "ts": "ts", "python": "py"}

readme, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
for old in out.glob("readme-*"):
    old.unlink()
sections = [s for s in readme.read_text(encoding="utf-8").split("\n## ") if s.startswith("Use the schemas from")]
blocks = re.findall(r"^```(\w*)\n(.*?)^```$", "\n".join(sections), re.S | re.M)
count = 0
for i, (language, code) in enumerate(blocks):
    if language not in EXTENSIONS:
        continue
    count += 1
    (out / f"readme-{count}.{EXTENSIONS[language]}").write_text(code, encoding="utf-8")
    if i + 1 < len(blocks) and blocks[i + 1][0] == "text":
        (out / f"readme-{count}.out").write_text(blocks[i + 1][1], encoding="utf-8")
print(f"{count} examples of {readme}")
