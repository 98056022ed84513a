import subprocess
import sys


def test_import_does_not_load_matplotlib_or_semopy():
    code = (
        "import sys, csimodel; "
        "bad = [m for m in ('matplotlib', 'semopy') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
