"""Layer names: a valid one is a Lambda layer name and a plain file name; a default one is always valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layerbuild.build.pipeline import default_name
from layerbuild.errors import InputError
from layerbuild.model.names import check_layer_name, is_layer_name, layer_name_from


@pytest.mark.parametrize(
    "bad", ["../x", "a/b", "a\\b", "..", ".", "", ".hidden", "my app", "x" * 141, "api\n", "/etc/x", "café"]
)
def test_names_that_are_paths_or_not_lambda_names_are_refused(bad):
    with pytest.raises(InputError, match="layer name"):
        check_layer_name(bad, "--name")


@pytest.mark.parametrize("good", ["api", "shared-1", "my_layer-2", "x" * 140, "A-b_C"])
def test_lambda_layer_names_are_accepted(good):
    assert check_layer_name(good, "--name") == good


def test_the_default_name_from_a_folder_that_is_not_a_layer_name_is_made_one(tmp_path):
    assert default_name(tmp_path / "my app.v2" / "requirements.txt") == "my-app-v2"
    assert default_name(tmp_path / "..." / "requirements.txt") == "layer"


@given(st.text(max_size=300))
def test_any_folder_name_gives_a_valid_layer_name_that_stays_in_its_folder(text):
    name = layer_name_from(text)
    assert is_layer_name(name)
    out = Path("/out")
    assert (out / f"{name}-python3.12-x86_64.zip").parent == out
