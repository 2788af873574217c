"""A layer Lambda cannot take is never written silently."""

from layerbuild.build.layer_checks import warn_about_limits
from layerbuild.model.inventory import DistSize, Inventory
from layerbuild.model.report import LayerReport
from layerbuild.model.target import Target


def _report(unzipped: int, zipped: int, bytecode: str = "alongside") -> LayerReport:
    dists = (DistSize("scipy", "1.15", unzipped - 10, zipped - 10, 100), DistSize("six", "1.16", 10, 10, 1))
    inv = Inventory("x.zip", dists, (), unzipped_bytes=unzipped, zipped_bytes=zipped, file_count=101)
    return LayerReport(
        inventory=inv, target=Target("python3.11", "x86_64"), layer_path="dist/x.zip", bytecode_mode=bytecode
    )


def test_a_layer_over_250_mb_unzipped_is_named_with_its_biggest_packages(capsys):
    warn_about_limits(_report(300_000_000, 90_000_000))
    err = capsys.readouterr().err
    assert "dist/x.zip is 300.0 MB unzipped, over Lambda's limit of 262,144,000 bytes" in err
    assert "scipy 300.0 MB" in err and "--bytecode only" in err


def test_a_layer_over_50_mib_zipped_is_told_it_needs_s3(capsys):
    warn_about_limits(_report(200_000_000, 60_000_000))
    assert "needs an S3 bucket" in capsys.readouterr().err


def test_a_layer_within_the_limits_gets_no_warning(capsys):
    warn_about_limits(_report(200_000_000, 40_000_000))
    assert capsys.readouterr().err == ""
