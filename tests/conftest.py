import importlib.util
import os.path as osp

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='module')
def one_thread():
    """One intra-op thread for a test module (``pytestmark =
    pytest.mark.usefixtures('one_thread')``): the models under test are
    small, and two threads per process oversubscribe the shared 2-core
    machine (10-20x slower)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope='session')
def load_tool():
    """``load_tool('tools/.../script.py')``: a script of the repository
    (not a package module) imported as a module, for testing its
    functions."""

    def load(relpath: str):
        name = osp.splitext(osp.basename(relpath))[0]
        spec = importlib.util.spec_from_file_location(
            name, osp.join(ROOT, relpath))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
