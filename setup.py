"""Install mmpose-tfx: ``pip install -e .`` (``tools/setup_env.sh`` does it in .venv)."""
import re
from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent


def read_requirements() -> list:
    """Pinned requirements shared with tools/setup_env.sh.

    Lines tagged ``[no-deps]`` (mmpose, mmdet, openmim) are left out of
    ``install_requires``: their published metadata pulls ``chumpy``, which does
    not build and is never imported, so they must be installed with
    ``--no-deps`` (tools/setup_env.sh does that). Build tools are not runtime
    requirements either.
    """
    reqs = []
    for line in (ROOT / 'requirements.txt').read_text().splitlines():
        spec = line.split('#', 1)[0].strip()
        if not spec or re.search(r'\[(no-deps|buildtool)\]', line):
            continue
        if spec.startswith('pytest'):
            continue
        reqs.append(spec)
    return reqs


def read_version() -> str:
    text = (ROOT / 'mmpose_tfx' / 'version.py').read_text()
    return re.search(r"__version__ = '([^']+)'", text).group(1)


setup(
    name='mmpose_tfx',
    version=read_version(),
    description='Transformer pose-estimation papers as MMPose 1.x modules',
    long_description=(ROOT / 'README.md').read_text() if (ROOT / 'README.md').exists() else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmpose_tfx', 'mmpose_tfx.*']),
    python_requires='>=3.11',
    install_requires=read_requirements(),
    extras_require={'tests': ['pytest']},
    zip_safe=False,
)
