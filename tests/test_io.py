"""Tests of the input front door (`read_image`) and of the writers."""

import os

import numpy as np
import pytest
from astropy import units as u
from astropy.io import fits
from astropy.nddata import CCDData, NDData
from astropy.utils.exceptions import AstropyUserWarning
from astropy.wcs import WCS

from astro_colorgan.io import (
    ImageData,
    check_output_path,
    make_rgb_hdu,
    provenance_history,
    read_image,
    write_fits,
    write_rgb_image,
)
from astro_colorgan.version import version

SHAPE = (24, 30)


@pytest.fixture
def io_wcs():
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [150.0, 2.0]
    wcs.wcs.crpix = [12.0, 10.0]
    wcs.wcs.cd = [[-5e-5, 1e-5], [1e-5, 5e-5]]
    wcs.wcs.radesys = "ICRS"
    return wcs


@pytest.fixture
def io_array():
    y, x = np.mgrid[: SHAPE[0], : SHAPE[1]]
    return (0.5 * x + 2.0 * y + 1.0).astype(np.float32)


def _image_hdu_file(path, array, wcs, *, extra=()):
    hdus = [fits.PrimaryHDU(), fits.ImageHDU(array, header=wcs.to_header(), name="SCI")]
    hdus += list(extra)
    fits.HDUList(hdus).writeto(path)
    return path


def _make_input(form, array, wcs, tmp_path):
    header = wcs.to_header()
    if form == "path":
        fits.writeto(tmp_path / "image.fits", array, header=header)
        return str(tmp_path / "image.fits"), {}
    if form == "pathlib":
        fits.writeto(tmp_path / "image.fits", array, header=header)
        return tmp_path / "image.fits", {}
    if form in ("path[ext]", "path[name]", "path+hdu", "hdulist+hdu"):
        table = fits.BinTableHDU.from_columns([fits.Column(name="a", format="E", array=[1.0])])
        ext = fits.ImageHDU(np.zeros((4, 4), np.float32), name="ERR")
        path = _image_hdu_file(tmp_path / "multi.fits", array, wcs, extra=[ext, table])
        if form == "path[ext]":
            return f"{path}[1]", {}
        if form == "path[name]":
            return f"{path}[SCI]", {}
        if form == "path+hdu":
            return str(path), {"hdu": ("SCI", 1)}
        return fits.open(path), {"hdu": 1}
    if form == "primaryhdu":
        return fits.PrimaryHDU(array, header=header), {}
    if form == "imagehdu":
        return fits.ImageHDU(array, header=header, name="SCI"), {}
    if form == "compimagehdu":
        return fits.CompImageHDU(array, header=header, compression_type="GZIP_1",
                                 quantize_level=0.0), {}
    if form == "tuple-wcs":
        return (array, wcs), {}
    if form == "tuple-header":
        return (array, header), {}
    if form == "nddata":
        return NDData(array, wcs=wcs), {}
    if form == "ccddata":
        return CCDData(array, wcs=wcs, unit="adu"), {}
    if form == "imagedata":
        return read_image((array, wcs)), {}
    raise AssertionError(form)


@pytest.mark.parametrize("form", ["path", "pathlib", "path[ext]", "path[name]", "path+hdu",
                                  "hdulist+hdu", "primaryhdu", "imagehdu", "compimagehdu",
                                  "tuple-wcs", "tuple-header", "nddata", "ccddata",
                                  "imagedata"])
def test_read_image_every_form_keeps_data_and_wcs(form, io_array, io_wcs, tmp_path):
    data, kwargs = _make_input(form, io_array, io_wcs, tmp_path)
    image = read_image(data, **kwargs)
    if isinstance(data, fits.HDUList):
        data.close()
    assert isinstance(image, ImageData)
    assert image.data.dtype == np.float64 and image.data.shape == SHAPE
    np.testing.assert_allclose(image.data, io_array, rtol=1e-6)
    assert image.mask.dtype == bool and not image.mask.any()
    assert image.wcs is not None and image.wcs.naxis == 2
    assert image.wcs.pixel_shape == (SHAPE[1], SHAPE[0])
    xs, ys = np.array([0.0, 17.5, 29.0]), np.array([0.0, 3.25, 23.0])
    np.testing.assert_allclose(image.wcs.pixel_to_world_values(xs, ys),
                               io_wcs.pixel_to_world_values(xs, ys), rtol=0, atol=1e-10)
    assert isinstance(image.header, fits.Header) and image.name


@pytest.mark.parametrize("form", ["array", "list", "masked-array"])
def test_read_image_plain_arrays_have_no_wcs(form, io_array):
    data = {"array": io_array, "list": io_array.tolist(),
            "masked-array": np.ma.MaskedArray(io_array, mask=io_array > 40)}[form]
    image = read_image(data)
    np.testing.assert_allclose(np.where(image.mask, io_array, image.data), io_array)
    assert image.wcs is None and len(image.header) == 0
    if form == "masked-array":
        assert np.array_equal(image.mask, io_array > 40)
        assert np.isnan(image.data[image.mask]).all()
    with pytest.raises(ValueError, match="has no celestial WCS"):
        read_image(data, allow_no_wcs=False)


def test_read_image_names_file_and_extension(io_array, io_wcs, tmp_path):
    path = _image_hdu_file(tmp_path / "multi.fits", io_array, io_wcs)
    assert read_image(f"{path}[1]").name == "multi.fits[1]"
    assert read_image(str(path)).name == "multi.fits[1]"  # the only image HDU


def test_read_image_honours_nddata_mask_without_warning(io_array, io_wcs):
    mask = np.zeros(SHAPE, bool)
    mask[2:5, 3:9] = True
    array = io_array.copy()
    array[3, 4] = np.nan  # inside the mask: no warning (filterwarnings = error)
    image = read_image(CCDData(array, wcs=io_wcs, mask=mask, unit="electron/s"))
    assert np.array_equal(image.mask, mask)
    assert np.isnan(image.data[mask]).all() and np.isfinite(image.data[~mask]).all()
    assert image.header["BUNIT"] == "electron / s" or image.header["BUNIT"] == "electron/s"


def test_read_image_warns_about_unflagged_non_finite(io_array):
    array = io_array.copy()
    array[0, 0], array[1, 1] = np.nan, np.inf
    with pytest.warns(AstropyUserWarning, match="2 non-finite pixel"):
        image = read_image(array)
    assert image.mask[0, 0] and image.mask[1, 1] and image.mask.sum() == 2
    assert np.isnan(image.data[1, 1])


def test_read_image_float32_and_wcs_override(io_array, io_wcs):
    image = read_image(io_array, wcs=io_wcs, dtype=np.float32)
    assert image.data.dtype == np.float32 and image.wcs is not None
    with pytest.raises(TypeError, match="float32 or float64"):
        read_image(io_array, dtype=np.int16)


def test_read_image_cube_needs_plane(io_array, io_wcs, tmp_path):
    cube = np.stack([io_array, 2 * io_array, 3 * io_array])
    header = io_wcs.to_header()
    header["CTYPE3"] = "WAVE"
    header["CUNIT3"] = "m"
    header["CRVAL3"], header["CDELT3"], header["CRPIX3"] = 5e-7, 1e-7, 1.0
    path = tmp_path / "cube.fits"
    fits.writeto(path, cube, header=header)
    with pytest.raises(ValueError, match=r"3-D image of shape \(3, 24, 30\); choose a plane"):
        read_image(path)
    image = read_image(path, plane=1)
    np.testing.assert_allclose(image.data, 2 * io_array)
    assert image.wcs.naxis == 2 and image.wcs.has_celestial
    with pytest.raises(ValueError, match="out of range"):
        read_image(path, plane=3)
    # a degenerate leading axis is dropped without asking
    assert read_image(cube[:1]).shape == SHAPE


def test_read_image_several_image_hdus(io_array, io_wcs, tmp_path):
    extra = [fits.ImageHDU(io_array, name="ERR"), fits.ImageHDU(io_array, name="DQ")]
    path = _image_hdu_file(tmp_path / "jwst.fits", io_array, io_wcs, extra=extra)
    message = r"jwst.fits holds several image HDUs \(1 SCI, 2 ERR, 3 DQ\); choose one with hdu="
    with pytest.raises(ValueError, match=message):
        read_image(path)
    assert read_image(path, hdu="ERR").name == "jwst.fits[2]"
    assert read_image(path, hdu="2").name == "jwst.fits[2]"


def test_read_image_all_nan_and_type_errors(io_array):
    with pytest.raises(ValueError, match="holds no valid pixel"):
        read_image(np.full(SHAPE, np.nan), )
    with pytest.raises(ValueError, match="holds no valid pixel"):
        read_image(NDData(io_array, mask=np.ones(SHAPE, bool)))
    with pytest.raises(TypeError, match="Cannot read an image from dict"):
        read_image({"data": io_array})
    with pytest.raises(TypeError, match="WCS or a Header"):
        read_image((io_array, "not a wcs"))
    with pytest.raises(ValueError, match="not a 2-D image"):
        read_image(np.ones(5))


def test_read_image_non_celestial_wcs_is_dropped(io_array):
    linear = WCS(naxis=2)
    linear.wcs.ctype = ["LINEAR", "LINEAR"]
    assert read_image((io_array, linear)).wcs is None


# ---------------------------------------------------------------- writers


@pytest.fixture
def io_rgb():
    rng = np.random.default_rng(4)
    rgb = rng.uniform(0, 1, SHAPE + (3,)).astype(np.float32)
    rgb[:4, :4] = [1.0, 0.0, 0.0]  # bottom-left corner of the sky image: pure red
    rgb[-4:, -4:] = np.nan  # top-right corner: no data
    return rgb


def test_make_rgb_hdu_cube_wcs_and_history(io_rgb, io_wcs):
    history = provenance_history("stack", ["g.fits[0]", "r.fits[0]"], {"Q": 8.0, "hdu": None})
    hdu = make_rgb_hdu(io_rgb, wcs=io_wcs, history=history)
    assert hdu.data.shape == (3,) + SHAPE and hdu.data.dtype == np.float32
    np.testing.assert_array_equal(hdu.data[0], io_rgb[:, :, 0])  # plane 1 is R
    np.testing.assert_array_equal(hdu.data[2], io_rgb[:, :, 2])  # plane 3 is B
    assert hdu.header["CTYPE3"] == "RGB" and "1=R" in hdu.header["CNAME3"]
    celestial = WCS(hdu.header).celestial
    np.testing.assert_allclose(celestial.pixel_to_world_values(3.0, 7.0),
                               io_wcs.pixel_to_world_values(3.0, 7.0))
    cards = list(hdu.header["HISTORY"])
    assert cards[0].startswith(f"astro_colorgan {version} stack")
    assert "input 1: g.fits[0]" in cards and "input 2: r.fits[0]" in cards
    assert "option Q = 8" in cards and "option hdu = None" in cards
    with pytest.raises(ValueError, match=r"shape \(ny, nx, 3\)"):
        make_rgb_hdu(io_rgb[:, :, :2])


def test_write_fits_refuses_overwrite_and_leaves_no_temporary(io_rgb, tmp_path):
    path = tmp_path / "out.fits"
    write_fits(make_rgb_hdu(io_rgb), path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="already exists; use overwrite=True"):
        write_fits(make_rgb_hdu(io_rgb * 0.5), path)
    assert path.read_bytes() == before
    write_fits(make_rgb_hdu(io_rgb * 0.5), path, overwrite=True)
    np.testing.assert_allclose(fits.getdata(path)[1], io_rgb[:, :, 1] * 0.5)
    assert sorted(os.listdir(tmp_path)) == ["out.fits"]


def test_write_fits_is_whole_or_nothing(io_rgb, tmp_path, monkeypatch):
    path = tmp_path / "out.fits"

    def failing_writeto(self, name, **kwargs):
        with open(name, "wb") as stream:
            stream.write(b"SIMPLE  = partial")
        raise OSError("disk full")

    monkeypatch.setattr(fits.HDUList, "writeto", failing_writeto)
    with pytest.raises(OSError, match="disk full"):
        write_fits(make_rgb_hdu(io_rgb), path)
    assert os.listdir(tmp_path) == []


def test_write_fits_gzip_by_extension(io_rgb, tmp_path):
    path = tmp_path / "out.fits.gz"
    write_fits(make_rgb_hdu(io_rgb), path)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    assert fits.getdata(path).shape == (3,) + SHAPE


def test_check_output_path_unwritable_folder_simulated(unwritable_tmp_path):
    """As root, permissions do not bind: make creating files in the folder fail instead."""
    tmp_path = unwritable_tmp_path
    with pytest.raises(PermissionError, match="Cannot write to folder .*: Permission denied"):
        check_output_path(tmp_path / "out.fits")
    with pytest.raises(PermissionError, match="Cannot write to folder"):
        write_fits(fits.PrimaryHDU(np.zeros((2, 2))), tmp_path / "out.fits")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="file permissions do not bind root")
def test_check_output_path_unwritable_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="Cannot write to folder"):
            check_output_path(folder / "out.fits")
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("extension", ["png", "jpg", "tif"])
def test_write_rgb_image_flip_transparency_and_avm(extension, io_rgb, io_wcs, tmp_path):
    from PIL import Image
    from pyavm import AVM

    path = tmp_path / f"out.{extension}"
    write_rgb_image(io_rgb, path, wcs=io_wcs)
    with Image.open(path) as image:
        pixels = np.array(image)
        mode = image.mode
    assert pixels.shape[:2] == SHAPE
    # FITS row 0 is the bottom: it is the last row of the image file
    pixels = pixels.astype(int)
    assert tuple(pixels[-2, 1, :3]) == pytest.approx((255, 0, 0), abs=24)
    if extension == "png":
        assert mode == "RGBA" and pixels[1, -2, 3] == 0 and pixels[8, 8, 3] == 255
        assert (pixels[:, :, 3] == 0).sum() == 16
    else:
        assert mode == "RGB" and tuple(pixels[1, -2]) == pytest.approx((0, 0, 0), abs=24)
    with pytest.warns(UserWarning) if extension == "tif" else _no_warning():
        avm = AVM.from_image(str(path))
    read_back = avm.to_wcs()
    xs, ys = np.array([0.0, 10.0, 29.0]), np.array([0.0, 20.0, 23.0])
    np.testing.assert_allclose(read_back.pixel_to_world_values(xs, ys),
                               io_wcs.pixel_to_world_values(xs, ys), atol=1e-9)
    assert list(avm.Spatial.ReferenceDimension) == [SHAPE[1], SHAPE[0]]


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_write_rgb_image_refuses_overwrite_and_bad_format(io_rgb, tmp_path):
    path = tmp_path / "out.png"
    write_rgb_image(io_rgb, path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="already exists"):
        write_rgb_image(io_rgb * 0, path)
    assert path.read_bytes() == before
    write_rgb_image(io_rgb * 0, path, overwrite=True)
    assert path.read_bytes() != before
    with pytest.raises(ValueError, match="Cannot tell the image format"):
        write_rgb_image(io_rgb, tmp_path / "out.bmp")
    with pytest.raises(ValueError, match="Unsupported image format"):
        write_rgb_image(io_rgb, tmp_path / "out.png", format="gif")
    assert sorted(os.listdir(tmp_path)) == ["out.png"]


def test_provenance_history_lists_everything():
    lines = provenance_history("stack", ["a", "b", "c"],
                               {"weights": [1.0, 0.5, 2.0], "background": True,
                                "stretch": "asinh"})
    assert lines[0].startswith(f"astro_colorgan {version} stack ") and lines[0].endswith("UTC")
    assert lines[1:4] == ["input 1: a", "input 2: b", "input 3: c"]
    assert lines[4:] == ["option weights = [1, 0.5, 2]", "option background = True",
                         "option stretch = asinh"]


def test_quantity_free_units_in_ccddata_header(io_array):
    image = read_image(CCDData(io_array, unit=u.MJy / u.sr))
    assert u.Unit(image.header["BUNIT"]) == u.MJy / u.sr
