"""Settings for `make run` on one machine: the embedded defaults plus DEBUG."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
