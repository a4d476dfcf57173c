"""tlcourse: the helper library of a hands-on course on transfer learning with Keras.

Importing it only sets TensorFlow's logging variables (so that TensorFlow, imported
later, prints nothing); the modules that need TensorFlow import it themselves.
"""
from .env import quiet_tensorflow, setup

quiet_tensorflow()

__version__ = "0.1.0"
__all__ = ["setup", "quiet_tensorflow", "__version__"]
