"""Global configuration (Keras: `keras.config`): default float dtype, epsilon, image data format,
backend name and interactive logging."""
from numnet.config.interactive_logging import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from numnet.config.settings import (
    backend,
    enable_unsafe_deserialization,
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)

__all__ = [
    "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format", "set_image_data_format",
    "backend", "enable_unsafe_deserialization", "enable_interactive_logging", "disable_interactive_logging",
    "is_interactive_logging_enabled",
]
