"""Tests of the simulated fields (`astro_colorgan.datasets.simulate_field` and friends)."""

import os

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

galsim = pytest.importorskip("galsim")

from astro_colorgan import stack  # noqa: E402
from astro_colorgan.cli.main import main  # noqa: E402
from astro_colorgan.datasets import (SimulatedField, read_simulated_field,  # noqa: E402
                                     simulate_field, simulate_fields)
from astro_colorgan.datasets._sim_catalog import random_catalog  # noqa: E402
from astro_colorgan.datasets._sim_physics import (calzetti_attenuation,  # noqa: E402
                                                  madau_transmission)

ACS = ["F435W", "F606W", "F814W"]
CENTRE = (150.1, 2.2)


@pytest.fixture(scope="module")
def small_field():
    return simulate_field(["F814W", "F435W", "F606W"], size=64, seed=7)


def test_deterministic_for_a_seed(small_field):
    again = simulate_field(["F814W", "F435W", "F606W"], size=64, seed=7)
    other = simulate_field(ACS, size=64, seed=8)
    for first, second, third in zip(small_field.images, again.images, other.images):
        np.testing.assert_array_equal(first.data, second.data)
        assert first.header["CRVAL1"] == second.header["CRVAL1"]
        assert not np.array_equal(first.data, third.data)
    assert small_field.catalog.pformat() == again.catalog.pformat()
    # a SeedSequence given twice gives the same field twice
    sequence = np.random.SeedSequence(9, spawn_key=(2,))
    first, second = (simulate_field(["g"], size=32, seed=sequence) for _ in range(2))
    np.testing.assert_array_equal(first.images[0].data, second.images[0].data)


def test_images_have_wcs_and_keywords(small_field):
    assert small_field.filters == ACS  # blue to red whatever the order asked
    pivots = []
    for hdu, name in zip(small_field.images, ACS):
        header = hdu.header
        assert hdu.data.shape == (64, 64) and hdu.data.dtype == np.float32
        assert np.all(np.isfinite(hdu.data))
        wcs = WCS(header)
        assert wcs.has_celestial and wcs.wcs.ctype[0] == "RA---TAN"
        assert wcs.proj_plane_pixel_scales()[0].to_value("arcsec") == pytest.approx(0.05)
        assert header["FILTER"] == name and header["BUNIT"] == "nJy"
        assert header["MAGZPT"] == 31.4 and header["TELESCOP"] == "HST"
        # the sky level is in the image: its median is close to SKYLEVEL
        assert np.median(hdu.data) == pytest.approx(header["SKYLEVEL"], rel=0.2)
        assert any("simulate" in line for line in header["HISTORY"])
        pivots.append(header["PHOTPLAM"])
    assert pivots == sorted(pivots) and 4000 < pivots[0] < 4500 and 7900 < pivots[2] < 8200
    catalog = small_field.catalog
    assert {"ra", "dec", "redshift", "mag_F435W", "mag_F814W"} <= set(catalog.colnames)


def test_write_read_and_stack(small_field, tmp_path):
    small_field.write(tmp_path / "field")
    assert sorted(os.listdir(tmp_path / "field")) == ["F435W.fits", "F606W.fits",
                                                      "F814W.fits", "catalog.ecsv"]
    with pytest.raises(FileExistsError, match="already exists"):
        small_field.write(tmp_path / "field")
    field = read_simulated_field(tmp_path / "field")
    assert field.filters == ACS
    assert [os.path.basename(path) for path in field.paths] == [f"{f}.fits" for f in ACS]
    np.testing.assert_array_equal(field.images[1].data, small_field.images[1].data)
    np.testing.assert_allclose(field.catalog["redshift"], small_field.catalog["redshift"])
    # the files stack blue to red, exactly like observed filters
    composite = stack(field.paths)
    assert composite.rgb.shape == (64, 64, 3)
    assert np.all(np.isfinite(composite.rgb)) and composite.rgb.max() > 0.1
    truth = field.composite()
    np.testing.assert_array_equal(truth.rgb, composite.rgb)
    assert "input 3: F814W.fits[0]" in truth.history


def _ab_colour(sed_name, redshift, blue, red):
    """Colour predicted by GalSim's own SED and Bandpass integration."""
    share = galsim.meta_data.share_dir
    sed = galsim.SED(os.path.join(share, "SEDs", f"CWW_{sed_name}_ext.sed"), wave_type="Ang",
                     flux_type="flambda").atRedshift(redshift)
    bands = [galsim.Bandpass(os.path.join(share, "bandpasses", f"ACS_wfc_{name}.dat"),
                             wave_type="nm").withZeropoint("AB") for name in (blue, red)]
    return sed.calculateMagnitude(bands[0]) - sed.calculateMagnitude(bands[1])


def _aperture_colour(field):
    from photutils.aperture import (ApertureStats, CircularAnnulus, CircularAperture,
                                    aperture_photometry)

    position = (field.catalog["x"][0], field.catalog["y"][0])
    aperture = CircularAperture(position, r=30.0)  # 1.5 arcsec
    annulus = CircularAnnulus(position, r_in=36.0, r_out=46.0)
    mags = []
    for hdu in field.images:
        sky = ApertureStats(hdu.data, annulus).median
        flux = aperture_photometry(hdu.data - sky, aperture)["aperture_sum"][0]
        mags.append(hdu.header["MAGZPT"] - 2.5 * np.log10(flux))
    return mags[0] - mags[1]


def test_elliptical_redder_than_irregular_by_the_sed_colour():
    """Aperture photometry of rendered images gives the colours the SEDs predict."""
    common = dict(kind="galaxy", x=47.3, y=46.8, i_mag=20.0, redshift=0.5)
    elliptical = dict(common, bulge_fraction=1.0, bulge_hlr=0.25, bulge_q=0.8,
                      position_angle=30.0)
    irregular = dict(common, bulge_fraction=0.0, disk_sed="Im", disk_hlr=0.25,
                     inclination=40.0)
    colours = {}
    for name, row in (("E", elliptical), ("Im", irregular)):
        field = simulate_field(["F814W", "F606W"], size=96, seed=11, catalog=[row],
                               centre=CENTRE)
        colours[name] = _aperture_colour(field)
        predicted = _ab_colour(name, 0.5, "F606W", "F814W")
        assert colours[name] == pytest.approx(predicted, abs=0.05)
        # the catalogue's true magnitudes are those of the SED too
        catalogue = field.catalog["mag_F606W"][0] - field.catalog["mag_F814W"][0]
        assert catalogue == pytest.approx(predicted, abs=0.01)
    predicted = _ab_colour("E", 0.5, "F606W", "F814W") - _ab_colour("Im", 0.5, "F606W", "F814W")
    assert predicted > 0.5
    assert colours["E"] - colours["Im"] == pytest.approx(predicted, abs=0.05)


def test_star_colour_follows_its_temperature():
    stars = [dict(kind="star", x=20.0, y=24.0, i_mag=21.0, temperature=3500.0),
             dict(kind="star", x=44.0, y=40.0, i_mag=21.0, temperature=20000.0)]
    field = simulate_field(["g", "i"], size=64, seed=2, catalog=stars, centre=CENTRE,
                           noise=False)
    colour = field.catalog["mag_g"] - field.catalog["mag_i"]
    assert colour[0] > 1.0 > 0.0 > colour[1]
    # noiseless: the image minus the sky holds the catalogue's flux
    for hdu, name in zip(field.images, ("g", "i")):
        total = (hdu.data - hdu.header["SKYLEVEL"]).sum()
        expected = np.sum(10 ** (-0.4 * (field.catalog[f"mag_{name}"] - 31.4)))
        assert total == pytest.approx(expected, rel=0.03)


def test_noise_is_photon_noise():
    quiet = simulate_field(["r"], size=64, seed=3, catalog=[], centre=CENTRE, noise=False)
    noisy = simulate_field(["r"], size=64, seed=3, catalog=[], centre=CENTRE)
    header = noisy.images[0].header
    expected = np.sqrt(header["SKYLEVEL"] / header["ELECPNJY"])
    difference = noisy.images[0].data.astype(float) - quiet.images[0].data
    assert difference.std() == pytest.approx(expected, rel=0.05)
    assert header["TELESCOP"] == "Rubin"
    assert WCS(header).proj_plane_pixel_scales()[0].to_value("arcsec") == pytest.approx(0.2)


def test_random_population_follows_the_relations():
    rng = np.random.default_rng(0)
    # 40 x 40 arcmin2 of LSST-like pixels, galaxies to i = 25
    catalog = random_catalog(rng, shape=(2000, 2000), pixel_scale=1.2, mag_limit=25.0,
                             margin=0.0)
    galaxies = catalog[catalog["kind"] == "galaxy"]
    area = (2000 * 1.2 / 60) ** 2
    # LSST Science Book: N(<i) = 46 x 10^(0.31 (i - 25)) per arcmin2
    assert len(galaxies) / area == pytest.approx(46.0, rel=0.03)
    faint = galaxies[galaxies["i_mag"] > 24.5]
    assert len(faint) / len(galaxies) == pytest.approx(1 - 10 ** (-0.155), rel=0.05)
    # n(z): mean z = 3 z0 with z0 = 0.0417 i - 0.744 near i = 24.75
    assert np.mean(faint["redshift"]) == pytest.approx(3 * (0.0417 * 24.75 - 0.744), rel=0.05)
    assert galaxies["redshift"].max() <= 3.0
    # Miller et al. (2013): median disc scale length ln r = -1.145 - 0.269 (i - 23)
    discs = faint[faint["disk_sed"] != ""]
    median = np.median(discs["disk_hlr"] / 1.678)
    assert np.log(median) == pytest.approx(-1.145 - 0.269 * 1.75, abs=0.05)
    assert set(galaxies["disk_sed"]) == {"", "Sbc", "Scd", "Im"}
    stars = catalog[catalog["kind"] == "star"]
    assert 0.1 < len(stars) / area < 1.0
    assert np.all((stars["temperature"] >= 3000) & (stars["temperature"] <= 30000))


def test_dust_and_intergalactic_medium():
    # Calzetti et al. (2000): A_V / E(B-V) = R_V = 4.05
    assert calzetti_attenuation(550.0) == pytest.approx(4.05, abs=0.01)
    assert calzetti_attenuation(150.0) > calzetti_attenuation(550.0) > calzetti_attenuation(900.0)
    wave = np.array([300.0, 350.0, 450.0, 600.0])
    transmission = madau_transmission(wave, 3.0)
    # at z = 3 Lyman alpha is at 486 nm (nothing redder is absorbed), the Lyman limit at 365 nm
    assert transmission[3] == 1.0 and 0.5 < transmission[2] < 0.8
    assert transmission[0] < 0.1 < transmission[1] < transmission[2]
    assert np.all(madau_transmission(wave, 0.5) == 1.0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(filters=["F606W", "F999W"]), "unknown filter 'F999W'"),
    (dict(filters=["F606W", "r"]), "one instrument"),
    (dict(filters=["g", "g"]), "once"),
    (dict(filters=["g"], size=16), "at least 32"),
    (dict(filters=["g"], catalog=[dict(kind="galaxy", x=1.0, y=2.0)]), "i_mag"),
    (dict(filters=["g"], catalog=[dict(kind="galaxy", x=1.0, y=2.0, i_mag=22.0,
                                       redshift=0.3, bulge_fraction=0.0)]), "disk_hlr"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_field(**kwargs)


def test_simulate_fields_layout(tmp_path):
    out = tmp_path / "sims"
    folders = simulate_fields(out, 2, ["i", "g", "r"], size=32, seed=4)
    assert folders == [str(out / "field_0000"), str(out / "field_0001")]
    assert sorted(os.listdir(out / "field_0001")) == ["catalog.ecsv", "g.fits", "i.fits",
                                                      "r.fits"]
    # field k does not depend on how many fields the run has
    alone = simulate_field(["g", "r", "i"], size=32, seed=np.random.SeedSequence(4, spawn_key=(1,)))
    np.testing.assert_array_equal(fits.getdata(out / "field_0001" / "r.fits"),
                                  alone.images[1].data)
    assert isinstance(read_simulated_field(folders[0]), SimulatedField)
    with pytest.raises(FileExistsError, match="not empty"):
        simulate_fields(out, 1, ["g"], size=32)


def _cli(capsys, *args):
    status = main(["simulate", *map(str, args)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_simulate(tmp_path, capsys):
    out = tmp_path / "sims"
    status, stdout, stderr = _cli(capsys, out, "--n", 2, "--filters", "F435W", "F606W",
                                  "F814W", "--size", 32, "--seed", 1)
    assert status == 0, stderr
    assert "simulated 2/2 fields" in stdout
    assert sorted(os.listdir(out)) == ["field_0000", "field_0001"]
    composite = stack([str(out / "field_0000" / f"{band}.fits") for band in ACS])
    assert composite.rgb.shape == (32, 32, 3)
    status, _, stderr = _cli(capsys, out, "--n", 1, "--filters", "g", "--size", 32)
    assert status == 2 and "is not empty" in stderr and "--overwrite" in stderr
    status, _, stderr = _cli(capsys, out, "--n", 1, "--filters", "g", "--size", 32,
                             "--overwrite", "--seed", 1)
    assert status == 0, stderr
    assert sorted(os.listdir(out / "field_0000")) == [
        "F435W.fits", "F606W.fits", "F814W.fits", "catalog.ecsv", "g.fits"]


@pytest.mark.parametrize("args, match", [
    (["--filters", "F435W", "F999W"], "unknown filter 'F999W'"),
    (["--n", "0"], "positive integer"),
    (["--size", "16"], "at least 32"),
])
def test_cli_bad_input_creates_nothing(tmp_path, capsys, args, match):
    out = tmp_path / "new" / "sims"
    options = {"--n": "1", "--filters": ["g"], "--size": "32"}
    command = [out]
    for index, arg in enumerate(args):
        if arg.startswith("--"):
            options.pop(arg)
    for key, value in options.items():
        command += [key, *([value] if isinstance(value, str) else value)]
    status, _, stderr = _cli(capsys, *command, *args)
    assert status == 2
    assert stderr.startswith("astro-colorize: error: ") and match in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "new").exists()


def test_fields_are_images_of_a_folder(tmp_path):
    """`find_images` lists field folders beside image files; each is read as its truth
    composite, so `train` and `evaluate` take simulated fields as they take photographs."""
    from astro_colorgan.datasets import find_images, read_color_image

    simulate_fields(tmp_path, 2, ACS, size=32, seed=5)
    (tmp_path / "notes").mkdir()  # a folder without FITS files is not a field
    paths = find_images(tmp_path)
    assert [os.path.basename(p) for p in paths] == ["field_0000", "field_0001"]
    rgb = read_color_image(paths[1])
    truth = read_simulated_field(paths[1]).composite().rgb
    assert rgb.shape == (32, 32, 3) and rgb.dtype == np.float32
    np.testing.assert_allclose(rgb, np.clip(truth[::-1], 0, 1))  # row 0 at the top
    assert read_color_image(paths[1], max_side=16).shape == (16, 16, 3)


def test_training_images_mix_in_simulated_fields(tmp_path):
    from astro_colorgan.training._samples import TrainingImages
    from _colour_images import make_colour_images

    photos, sims = tmp_path / "photos", tmp_path / "sims"
    photos.mkdir()
    paths = make_colour_images(photos, n=6, size=32)
    simulate_fields(sims, 3, ACS, size=32, seed=6)
    images = TrainingImages(paths, max_side=32)
    fields = sorted(str(p) for p in sims.iterdir())
    images.mix_in(fields, 0.25)  # 6 photographs -> 2 fields, taken in name order
    assert len(images) == 8 and images.names[-2:] == ["field_0000", "field_0001"]
    with pytest.raises(ValueError, match="fewer than the 4 needed"):
        TrainingImages(paths, max_side=32).mix_in(fields, 0.4)


def test_a_field_is_also_its_filters_linear_data(tmp_path):
    """`read_field` gives the composite and each filter's linear image on its grid,
    blue to red and row 0 at the top, so a field's users' path is its own data."""
    from astro_colorgan.datasets import read_color_image
    from astro_colorgan.datasets._folder import read_field

    simulate_fields(tmp_path, 1, ["F814W", "F435W", "F606W"], size=32, seed=5)
    folder = tmp_path / "field_0000"
    rgb, bands = read_field(folder)
    np.testing.assert_array_equal(rgb, read_color_image(folder))
    field_ = read_simulated_field(folder)
    assert bands.shape == (3, 32, 32) and bands.dtype == np.float32
    for plane, hdu in zip(bands, field_.images):  # blue to red, flipped as the composite
        np.testing.assert_array_equal(plane, hdu.data[::-1])
    assert [hdu.header["FILTER"] for hdu in field_.images] == ACS
    small_rgb, small_bands = read_field(folder, max_side=16)
    assert small_rgb.shape == (16, 16, 3) and small_bands.shape == (3, 16, 16)
    # linear data is shrunk, not clipped: the sky level (hundreds of nJy) survives
    assert abs(small_bands[1].mean() - bands[1].mean()) < 0.02 * bands[1].mean()


def test_training_crops_of_a_field_carry_its_display_scaled_filters(tmp_path):
    """A field's crop comes with one of its filters through the default display
    scaling, cut and turned with it; a photograph's with none."""
    from astro_colorgan.training._samples import TrainingImages
    from astro_colorgan.training._inputs import display_luma, guided_input
    from _colour_images import make_colour_images

    photos, sims = tmp_path / "photos", tmp_path / "sims"
    photos.mkdir()
    paths = make_colour_images(photos, n=3, size=32)
    simulate_fields(sims, 1, ACS, size=48, seed=6)
    images = TrainingImages(paths, max_side=48)
    images.mix_in([str(sims / "field_0000")], 0.25)
    assert images.bands[:3] == [None] * 3
    bands = images.bands[3]
    linear = read_simulated_field(sims / "field_0000").images
    np.testing.assert_allclose(bands[2], display_luma(linear[2].data[::-1]))
    assert bands.shape == (3, 48, 48) and 0 <= bands.min() and bands.max() <= 1
    # a photograph: the same crop as without the band, and no band
    plain = images.sample(0, epoch=2, seed=3, crop=16, gamma_jitter=(0.8, 1.25))
    rgb, band, _ = images.sample(0, epoch=2, seed=3, crop=16, gamma_jitter=(0.8, 1.25),
                                 band=True)
    np.testing.assert_array_equal(rgb, plain)
    assert band is None
    # a field: the band is cut where the crop is, and turned as it is
    def turns(a):  # the 8 rotations and flips of sample's augmentation
        return [np.rot90(b, r) for b in (a, a[:, ::-1]) for r in range(4)]

    crops = {turned.tobytes(): (k, y, x, t) for k in range(3) for y in range(33)
             for x in range(33) for t, turned in enumerate(turns(bands[k, y:y + 16, x:x + 16]))}
    seen = set()
    for epoch in range(12):
        rgb, band, which = images.sample(3, epoch=epoch, seed=1, crop=16, band=True)
        assert band.tobytes() in crops, "the band is not a crop of the field's filters"
        k, y, x, t = crops[band.tobytes()]
        assert which == k  # the index says which filter it is
        truth = turns(images.images[3][y:y + 16, x:x + 16])[t]
        np.testing.assert_array_equal(np.moveaxis(rgb, 0, -1), truth)
        seen.add(k)
    assert len(seen) > 1  # the filter is drawn at random
    # on the users' path the network sees that band, else the truth's luma
    x_users, reference, _ = guided_input(rgb, np.random.default_rng(0), users_path=1.0,
                                         modes={"none": 1.0}, users_luma=band)
    np.testing.assert_array_equal(x_users[0], band)
    x_truth, _, _ = guided_input(rgb, np.random.default_rng(0), users_path=0.0,
                                 modes={"none": 1.0}, users_luma=band)
    np.testing.assert_array_equal(x_truth[0], reference[0])


def test_users_path_of_a_field_is_its_middle_filter(tmp_path, monkeypatch, tiny_model_path):
    """`evaluate(path='users')` colorizes a field's own linear image in its middle
    filter, and a photograph's luma made linear (the protocol's rule)."""
    from astro_colorgan.datasets._folder import read_field
    from astro_colorgan.evaluation import _evaluate
    from _colour_images import make_colour_images

    make_colour_images(tmp_path, n=2, size=32)
    simulate_fields(tmp_path / "sims", 1, ACS, size=32, seed=6)
    os.rename(tmp_path / "sims" / "field_0000", tmp_path / "field_0000")
    (tmp_path / "sims").rmdir()
    seen = {}
    real = _evaluate.model_prediction

    def recording(colorizer, truth, mode, data):
        seen[truth.tobytes()] = data
        return real(colorizer, truth, mode, data)

    monkeypatch.setattr(_evaluate, "model_prediction", recording)
    result = _evaluate.evaluate(tmp_path, models=[tiny_model_path], split="all", path="users",
                                only_coloured=False)
    assert "field_0000" in result.names and len(result.names) == 3
    rgb, bands = read_field(tmp_path / "field_0000")
    field = seen[rgb.tobytes()]  # the middle filter, F606W, with its FILTER keyword
    np.testing.assert_array_equal(field.data, bands[1])
    assert field.header["FILTER"] == "F606W"
    photos = [data for key, data in seen.items() if key != rgb.tobytes()]
    assert len(photos) == 2 and all(data.min() >= 200 - 30 for data in photos)  # Y**2.4*3000+200
