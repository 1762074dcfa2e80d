from . import test_pos_loads
from . import test_admin_setup
from . import test_security
from . import test_cashier_flow
from . import test_after_sale
