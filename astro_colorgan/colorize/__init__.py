"""Colorizing single-band images with a trained model."""

__all__ = []
