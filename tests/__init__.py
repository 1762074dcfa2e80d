from . import test_pos_loads
