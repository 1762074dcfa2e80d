"""whool, packing into the wheel only what Odoo runs.

whool packs every file git tracks, and this checkout also holds the emulator,
the developer tools, the tests and the lint and npm files: none of them is
Odoo's business. The sdist keeps everything, so a wheel built from it is
pruned the same way.
"""

import shutil

from whool import buildapi
from whool.buildapi import (  # noqa: F401 (the PEP 517 hooks whool provides)
    build_editable,
    build_sdist,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

# The addon's top-level entries Odoo loads; tests_pure checks the wheel's list.
RUNTIME = {
    "__init__.py",
    "__manifest__.py",
    "README.md",
    "controllers",
    "data",
    "i18n",
    "mercado_pago",
    "models",
    "readme",
    "security",
    "static",
    "views",
    # whool removes these two itself after copying.
    "pyproject.toml",
    "PKG-INFO",
}


def _copy_runtime(copy):
    def copy_to(addon_dir, dst):
        copy(addon_dir, dst)
        for entry in dst.iterdir():
            if entry.name not in RUNTIME:
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()

    return copy_to


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    copy = buildapi._copy_to
    buildapi._copy_to = _copy_runtime(copy)
    try:
        return buildapi.build_wheel(
            wheel_directory, config_settings, metadata_directory
        )
    finally:
        buildapi._copy_to = copy
