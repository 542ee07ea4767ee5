"""The edges of the result objects (issue 26): plots that fit at matplotlib's default size
and show the footprint, short reprs, and a `stack` result as the colorizer's input."""

import numpy as np
import pytest

from astro_colorgan import Colorizer, stack
from astro_colorgan.data import get_sample_path

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


@pytest.fixture(scope="module")
def composite():
    return stack([get_sample_path(f"sample_{band}") for band in "gri"])


def _inside(inner, outer):
    return (inner.x0 >= outer.x0 - 0.5 and inner.y0 >= outer.y0 - 0.5
            and inner.x1 <= outer.x1 + 0.5 and inner.y1 <= outer.y1 + 0.5)


def test_plot_fits_its_labels_at_the_default_size(composite):
    import matplotlib.pyplot as plt

    ax = composite.plot()
    fig = ax.figure
    try:
        assert tuple(fig.get_size_inches()) == tuple(plt.rcParams["figure.figsize"])
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        # WCSAxes' tight box holds its axis and tick labels (a 6 x 6 inch figure without
        # a layout cut the Declination label at x < 0)
        assert [ax.coords[k].get_axislabel() for k in (0, 1)] == ["Right ascension",
                                                                   "Declination"]
        assert _inside(ax.get_tightbbox(renderer), fig.bbox)
    finally:
        plt.close(fig)


def test_plot_shows_the_footprint(composite):
    import matplotlib.pyplot as plt

    assert not composite.footprint.all()  # the sample filters do not cover the grid
    ax = composite.plot()
    try:
        rgba = np.asarray(ax.images[0].get_array())
        assert rgba.shape == composite.shape + (4,)
        assert np.array_equal(rgba[..., 3] > 0, composite.footprint)  # transparent outside
        assert ax.patch.get_hatch()  # over a hatched background
        ax = composite.plot(hatch=None)
        assert not ax.patch.get_hatch()
    finally:
        plt.close("all")


def test_reprs_are_short(composite, tiny_model_path):
    text = repr(composite)
    assert text.startswith("<CompositeImage shape=(448, 448) names=['sample_g.fits[0]'")
    assert "centre RA/DEC (" in text and len(text) < 200
    colorizer = Colorizer(tiny_model_path, device="cpu")
    assert repr(colorizer) == ("<Colorizer model=tiny.safetensors (single-band) "
                               "subject='auto' fusion=fusion_model.safetensors "
                               "device=cpu>")
    assert repr(Colorizer(tiny_model_path, device="cpu", stretch=None, tta=True,
                          fusion=False)).endswith("fusion=classical device=cpu stretch=None "
                                                  "tta=True>")
    result = colorizer.colorize(np.random.default_rng(0).random((32, 48), np.float32))
    assert repr(result) == "<ColorizedImage shape=(32, 48) names=['array'] no WCS " \
                           "colour=predicted>"


def test_default_colorizer_repr_names_the_guided_model():
    text = repr(Colorizer(device="cpu", subject="field"))
    assert text.startswith("<Colorizer model=default_model.safetensors (guided) "
                           "subject='field' fusion=fusion_model.safetensors device=cpu")


def test_a_stack_result_as_image_and_as_colour(composite, tiny_guided_model_path):
    colorizer = Colorizer(tiny_guided_model_path, device="cpu")
    result = colorizer.colorize(composite, colour=composite)
    assert result.shape == composite.shape and result.wcs is composite.wcs
    assert result.measured is not None and result.bands is None  # display-ready colour
    covered = composite.footprint
    assert (result.measured[covered] > 0).mean() > 0.95
    assert np.isfinite(result.rgb[covered]).all()
    assert "colour=measured on" in repr(result)
    # where measured, the composite's own colour comes back (its luma is the luminance)
    core = covered & (result.measured > 0.99)
    assert np.nanmedian(np.abs(result.rgb[core] - composite.rgb[core])) < 0.02
    # a coarser composite of the same filters is colour on its own grid
    from astro_colorgan.io import block_average, read_image

    frames = [read_image(get_sample_path(f"sample_{band}")) for band in "gri"]
    coarse = stack([block_average(frame.data, 2, wcs=frame.wcs) for frame in frames])
    guided = colorizer.colorize(get_sample_path("sample_r"), colour=coarse)
    assert guided.measured.mean() > 0.5
    assert any(coarse.names[0] in line for line in guided.history)
