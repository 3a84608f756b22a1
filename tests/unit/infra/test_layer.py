"""The Lambda layer holds only runtime code: infra/layer/Makefile's package part, built for real.

The tests run `make layer-package`, the target `sam build` runs (through build-CleaIntakeLayer) to copy
clea_intake into the layer; the dependencies part (pip downloading arm64 wheels) is left out. They check
what the built folder holds, and that every clea_intake module the functions import, directly or through
other modules, is in it.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MAKEFILE = ROOT / "infra" / "layer" / "Makefile"
PACKAGE = ROOT / "shared" / "clea_intake"
FUNCTIONS = ROOT / "functions"
DEVELOPMENT = ("local", "samples", "cli", "quality")
LETTER_FONTS = PACKAGE / "letters" / "fonts"


def make(target: str, artifacts: Path, *options: str) -> str:
    done = subprocess.run(["make", "--no-print-directory", *options, "--makefile", str(MAKEFILE), target,
                           f"ARTIFACTS_DIR={artifacts}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built layer's python/clea_intake."""
    artifacts = tmp_path_factory.mktemp("layer")
    make("layer-package", artifacts)
    return artifacts / "python" / "clea_intake"


def module_path(root: Path, name: str) -> Path | None:
    """The file of clea_intake module `name` (dotted, without the clea_intake prefix) under root."""
    base = root.joinpath(*name.split(".")) if name else root
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(path: Path, package: str) -> set[str]:
    """The clea_intake modules a file imports anywhere in it (function-level imports included).

    Names are dotted paths inside clea_intake ("services.cases"); `from x import y` gives both x and x.y,
    the caller keeps those that are modules. `package` is the file's own package, for relative imports.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(["clea_intake", *parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found |= {name.removeprefix("clea_intake").lstrip(".") for name in names
                  if name == "clea_intake" or name.startswith("clea_intake.")}
    return found


def runtime_closure(root: Path) -> dict[str, Path | None]:
    """Every clea_intake module the functions reach, resolved under root (None: not there)."""
    todo = [(path, "") for path in FUNCTIONS.glob("*/app.py")]
    assert todo, "no function found"
    seen: dict[str, Path | None] = {"": module_path(root, "")}
    while todo:
        path, package = todo.pop()
        for name in imported_modules(path, package):
            parents = name.split(".")
            for depth in range(1, len(parents) + 1):
                # A package's __init__ runs before its modules: follow it as well.
                prefix = ".".join(parents[:depth])
                if prefix in seen or module_path(PACKAGE, prefix) is None:
                    continue
                seen[prefix] = module_path(root, prefix)
                source = module_path(PACKAGE, prefix)
                is_package = source is not None and source.name == "__init__.py"
                todo.append((source, prefix if is_package else prefix.rpartition(".")[0]))
    return seen


def test_layer_holds_no_development_module_and_no_sample_font(layer: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    # Given the package part of the layer, built by the Makefile's own rule
    files = [p for p in layer.rglob("*") if p.is_file()]
    top = {p.relative_to(layer).parts[0].removesuffix(".py") for p in files}
    fonts = {p.relative_to(layer).as_posix() for p in files if p.suffix == ".ttf"}
    size = sum(p.stat().st_size for p in files)
    with capsys.disabled():
        print(f"\nlayer package part: {len(files)} files, {size / 1e6:.2f} MB (python/clea_intake)")
    # Then no development module is there, the only fonts are the letters' ones, and no bytecode
    assert top.isdisjoint(DEVELOPMENT), sorted(top & set(DEVELOPMENT))
    assert fonts == {f"letters/fonts/{font.name}" for font in LETTER_FONTS.glob("*.ttf")}
    assert not [p for p in files if p.suffix == ".pyc"]


def test_layer_holds_every_module_the_functions_import(layer: Path) -> None:
    # Given every clea_intake module the functions import, followed through the modules they import
    closure = runtime_closure(layer)
    # Then each is in the layer, and none is a development module (it would not be there in Lambda)
    assert len(closure) > 20
    assert sorted(name for name, path in closure.items() if path is None) == []
    assert sorted(name for name in closure if name.split(".")[0] in DEVELOPMENT) == []


def test_layer_holds_the_package_data_the_code_reads(layer: Path) -> None:
    # Given the package's data files (policy, XSD, letter fonts, HTML and JSON) outside development modules
    data = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and p.suffix in {".yaml", ".xsd", ".ttf", ".html", ".json"}
            and p.relative_to(PACKAGE).parts[0] not in DEVELOPMENT}
    # Then every one of them was copied
    assert data and {name for name in data if not (layer / name).is_file()} == set()


def test_runtime_closure_reports_a_module_the_layer_lacks(tmp_path: Path) -> None:
    # Given a layer copy without services/  When the functions' imports are resolved in it
    closure = runtime_closure(tmp_path)
    # Then services.cases is reported missing (the check above is not blind)
    assert closure["services.cases"] is None


def test_sam_build_target_runs_the_package_rule_after_the_dependencies(tmp_path: Path) -> None:
    # Given the commands `sam build` would run for the layer (make --dry-run)
    python312 = f"PYTHON312={sys.executable}"
    commands = make("build-CleaIntakeLayer", tmp_path, "--dry-run", python312)
    package = make("layer-package", tmp_path, "--dry-run")
    bytecode = make("layer-bytecode", tmp_path, "--dry-run", python312)
    # Then they are pip's install for arm64, the very copy rule the tests above build, then the compilation
    assert "pip install" in commands and "manylinux2014_aarch64" in commands
    assert commands.rstrip().endswith(package.rstrip() + "\n" + bytecode.rstrip())


def test_the_layer_is_compiled_to_bytecode_that_lambdas_read_only_opt_can_use(tmp_path):
    # The step runs the given interpreter's compileall (on a build machine, Python 3.12, the runtime's):
    # every module gets its bytecode, marked unchecked-hash (the zip's file times are not the sources').
    make("layer-package", tmp_path)
    make("layer-bytecode", tmp_path, f"PYTHON312={sys.executable}")
    package = tmp_path / "python" / "clea_intake"
    sources = sorted(package.rglob("*.py"))
    assert len(sources) > 50
    for source in sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        header = cached.read_bytes()[:8]
        assert header[:4] == importlib.util.MAGIC_NUMBER, source
        assert int.from_bytes(header[4:8], "little") == 1, source  # hash-based, not checked against the source


def test_without_a_python_312_the_layer_is_built_without_bytecode_and_says_so(tmp_path):
    make("layer-package", tmp_path)
    done = subprocess.run(["make", "--no-print-directory", "--makefile", str(MAKEFILE), "layer-bytecode",
                           f"ARTIFACTS_DIR={tmp_path}", "PYTHON312="], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0
    assert "no Python 3.12" in done.stderr
    assert not list((tmp_path / "python").rglob("*.pyc"))
