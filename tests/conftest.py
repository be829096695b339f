import pytest
import torch


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
