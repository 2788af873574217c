"""Output files appear whole or not at all; devices and pipes are written through, never replaced."""

import os
import stat
import threading

import pytest

from layerbuild.errors import InputError
from layerbuild.util.atomic import write_atomic, write_text_output


def test_a_pipe_given_as_output_is_written_through_and_stays_a_pipe(tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    write_text_output(fifo, "lock text\n")
    reader.join(10)
    assert got == ["lock text\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_output_folder_is_created_and_a_folder_as_output_is_an_input_error(tmp_path):
    write_text_output(tmp_path / "new" / "deeper" / "report.json", "{}")
    assert (tmp_path / "new" / "deeper" / "report.json").read_text() == "{}"
    with pytest.raises(InputError, match="is a folder"):
        write_text_output(tmp_path / "new", "x")


def test_a_failed_write_names_the_destination_and_leaves_nothing(tmp_path):
    def fail(tmp):
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(InputError, match=r"cannot write .*layer.zip: No space left on device"):
        write_atomic(tmp_path / "layer.zip", fail)
    assert list(tmp_path.iterdir()) == []
