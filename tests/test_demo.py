"""The demo runs the commands' own functions, never the CLI module; nothing else imports
the CLI either (imports point downward: only ``__main__`` reaches ``cli``)."""

from __future__ import annotations

import ast
import subprocess
import sys

from .conftest import ROOT

PACKAGE = ROOT / "pim_gitops"


def test_demo_runs_without_importing_the_cli() -> None:
    code = (
        "import sys\n"
        "from pim_gitops.console import PlainConsole\n"
        "from pim_gitops.demo.run import run_demo\n"
        "code = run_demo(PlainConsole(sys.stdout, sys.stderr, interactive=False), 'policies')\n"
        "print('CLI', 'pim_gitops.cli' in sys.modules, 'EXIT', code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "CLI False EXIT 0", result.stdout[-2000:] + result.stderr
    steps = [line.split()[2] for line in lines if line.startswith("$ pim-gitops")]
    assert steps == ["validate", "lint", "plan", "apply", "plan", "lint"]
    assert (
        "Apply: 93 writes (one per policy rule or assignment): 93 succeeded, 0 failed, 0 skipped"
        in result.stdout
    )
    assert lines[-2] == "Demo complete: the tenant now matches the policy repository."
    assert "\x1b" not in result.stdout + result.stderr


def _imports_cli(module: str, tree: ast.AST) -> list[int]:
    """Lines of ``module`` (dotted name) importing ``pim_gitops.cli``, absolutely or
    relatively, at the top or inside a function."""
    package = module.split(".")[:-1]
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            parent = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join([*parent, *([node.module] if node.module else [])])
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        if any(n == "pim_gitops.cli" or n.startswith("pim_gitops.cli.") for n in names):
            hits.append(node.lineno)
    return hits


def test_the_import_check_sees_every_spelling() -> None:
    for source in (
        "import pim_gitops.cli",
        "from pim_gitops.cli import cli",
        "from pim_gitops import cli",
        "from .cli import main",
        "from . import cli",
        "def f():\n    from pim_gitops.cli import cli",
    ):
        assert _imports_cli("pim_gitops.workflow", ast.parse(source)), source
    assert _imports_cli("pim_gitops.demo.run", ast.parse("from .. import cli"))
    assert _imports_cli("pim_gitops.demo.run", ast.parse("from ..cli import main"))
    for source in (
        "from pim_gitops.console import Console",
        "import pim_gitops.clients",
        "from . import cli",  # pim_gitops.demo.cli, not the CLI
    ):
        assert not _imports_cli("pim_gitops.demo.run", ast.parse(source)), source


def test_no_module_imports_the_cli() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in ("cli.py", "__main__.py"):  # the CLI itself and its entry point
            continue
        module = "pim_gitops." + relative.removesuffix(".py").replace("/", ".")
        lines = _imports_cli(module, ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            offenders[relative] = lines
    assert offenders == {}
