"""Output formats: one small renderer per format behind one interface."""

from simulator.render.base import OutputFormat, Renderer, pick

__all__ = ["OutputFormat", "Renderer", "pick"]
