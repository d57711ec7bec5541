"""Unit tests of the registries and the plugin loader, with fake entry points.

Each test swaps ``importlib.metadata.entry_points`` for a list of fake plugins, empties the
lexiplug registries, and puts everything back afterwards, so the real plugins load again
for the next test file.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from lexiplug import plugin_loader
from lexiplug.errors import ConfigError, RegistryError
from lexiplug.registry import SECTION_NAMES, config_registry, registry

from tests.helpers import (
    FakeDistribution,
    FakeEntryPoint,
    fails_with,
    plugin_module,
    records_by_name,
    registers,
)

# -- registry ----------------------------------------------------------------------------


def test_register_and_get_versioned_names(entry_points: list[FakeEntryPoint]) -> None:
    def glove_v1() -> str:
        return "v1"

    def glove_v2() -> str:
        return "v2"

    registry.embedders.register("test.glove.v1", func=glove_v1)
    registry.embedders.register("test.glove.v2")(glove_v2)  # decorator form
    assert registry.embedders.get("test.glove.v1")() == "v1"
    assert registry.embedders.get("test.glove.v2")() == "v2"
    assert registry.embedders.names() == ["test.glove.v1", "test.glove.v2"]
    assert registry.embedders.has("test.glove.v2") and not registry.embedders.has("test.glove")
    with pytest.raises(RegistryError) as caught:
        registry.embedders.get("test.glove")  # no version: suggest the versions that exist
    message = str(caught.value)
    assert "Unknown embedder 'test.glove'" in message
    assert "Did you mean: test.glove.v1, test.glove.v2?" in message or (
        "test.glove.v2, test.glove.v1" in message
    )
    assert not registry.evaluators.has("test.glove.v1")  # sections are separate


def test_unknown_name_lists_available_names_and_failed_plugins(
    entry_points: list[FakeEntryPoint],
) -> None:
    entry_points += [
        FakeEntryPoint("good", plugin_module("good_plugin", registers("corpora", "a.text.v1"))),
        FakeEntryPoint("bad", ModuleNotFoundError("No module named 'torchvision'")),
    ]
    with pytest.raises(RegistryError) as caught:
        registry.corpora.get("zzz.nothing.v1")
    error = caught.value
    message = str(error)
    assert "Unknown corpus 'zzz.nothing.v1'" in message
    assert "Available corpora: a.text.v1." in message
    assert "bad (ModuleNotFoundError: No module named 'torchvision')" in message
    assert "lexiplug plugins list" in message
    assert error.where == "registry.corpora"
    assert isinstance(error, ConfigError) and isinstance(error, KeyError)
    assert "Did you mean" not in message


def test_unknown_section_lists_the_sections() -> None:
    with pytest.raises(RegistryError) as caught:
        registry.section("embeders")
    assert all(name in str(caught.value) for name in SECTION_NAMES)


def test_config_registry_resolves_plugin_names(entry_points: list[FakeEntryPoint]) -> None:
    def make_thing(size: int = 3) -> dict[str, int]:
        return {"size": size}

    def register(registry: Any) -> None:
        registry.embedders.register("test.thing.v1", func=make_thing)

    entry_points.append(FakeEntryPoint("things", plugin_module("things_plugin", register)))
    import confection

    config = confection.Config().from_str('[thing]\n@embedders = "test.thing.v1"\nsize = 7\n')
    resolved = config_registry().resolve(config)
    assert resolved["thing"] == {"size": 7}
    with pytest.raises(RegistryError, match=r"test\.thing\.v1"):
        config_registry().resolve(
            confection.Config().from_str('[thing]\n@embedders = "test.thing.v9"\n')
        )


# -- plugin loader -----------------------------------------------------------------------


def test_loads_lazily_once_and_records_what_each_plugin_registered(
    entry_points: list[FakeEntryPoint],
) -> None:
    first = FakeEntryPoint("alpha", plugin_module("alpha_plugin", registers("embedders", "a.x.v1")))
    second = FakeEntryPoint(
        "beta", plugin_module("beta_plugin", registers("evaluators", "b.y.v1", "b.z.v1")),
        dist=FakeDistribution("beta-dist", "2.3"),
    )
    entry_points += [second, first]
    registry.encoders.register("direct.v1", func=print)  # registering never loads plugins
    assert registry.all_names() == {"encoders:direct.v1"}
    assert first.loads == 0 and second.loads == 0
    assert registry.embedders.has("a.x.v1")
    registry.evaluators.names()
    plugin_loader.plugin_records()
    assert first.loads == 1 and second.loads == 1
    records = records_by_name()
    assert list(records) == ["alpha", "beta"]  # sorted by entry-point name
    assert records["alpha"].registered == ["embedders:a.x.v1"]
    beta = records["beta"].as_dict()
    assert beta["status"] == "loaded" and beta["error"] is None
    assert (beta["distribution"], beta["version"]) == ("beta-dist", "2.3")
    assert beta["registered"] == ["evaluators:b.y.v1", "evaluators:b.z.v1"]
    assert beta["module"] == "beta_plugin"


def test_failing_register_hook_is_recorded_and_others_still_load(
    entry_points: list[FakeEntryPoint],
) -> None:
    cli_hook = lambda: ["from the broken plugin"]  # noqa: E731
    entry_points += [
        FakeEntryPoint("a_before", plugin_module("a_mod", registers("embedders", "a.v1"))),
        FakeEntryPoint(
            "m_broken",
            plugin_module(
                "m_mod", fails_with(RuntimeError("boom")), lexiplug_cli_commands=cli_hook
            ),
        ),
        FakeEntryPoint("m_import", ImportError("missing dependency 'foo'")),
        FakeEntryPoint("z_after", plugin_module("z_mod", registers("embedders", "z.v1"))),
    ]
    assert registry.embedders.names() == ["a.v1", "z.v1"]
    records = records_by_name()
    assert {name: r.status for name, r in records.items()} == {
        "a_before": "loaded", "m_broken": "failed", "m_import": "failed", "z_after": "loaded",
    }
    assert records["m_broken"].error == "RuntimeError: boom"
    assert records["m_import"].error == "ImportError: missing dependency 'foo'"
    assert [r.name for r in plugin_loader.failed_plugins()] == ["m_broken", "m_import"]
    # a failed plugin is unregistered, so none of its other hooks run
    manager = plugin_loader.plugin_manager()
    assert manager.get_plugin("m_broken") is None
    assert manager.hook.lexiplug_cli_commands() == []



def registers_then_fails(section: str, name: str, error: BaseException) -> Callable[[Any], None]:
    def register(registry: Any) -> None:
        registry.section(section).register(name, func=lambda: "from the failed plugin")
        raise error

    return register


@pytest.mark.parametrize("error", [SystemExit(3), SystemExit("bye"), GeneratorExit()])
def test_a_plugin_raising_a_base_exception_is_recorded_not_fatal(
    entry_points: list[FakeEntryPoint], error: BaseException
) -> None:
    entry_points += [
        FakeEntryPoint("exits", plugin_module("e_mod", fails_with(error))),
        FakeEntryPoint("exits_on_import", error),
        FakeEntryPoint("z_after", plugin_module("z_mod", registers("embedders", "z.v1"))),
    ]
    assert registry.embedders.names() == ["z.v1"]
    records = records_by_name()
    assert records["exits"].status == records["exits_on_import"].status == "failed"
    assert records["exits"].error is not None
    assert records["exits"].error.startswith(type(error).__name__)
    assert records["z_after"].status == "loaded"


def test_keyboard_interrupt_while_loading_a_plugin_still_interrupts(
    entry_points: list[FakeEntryPoint],
) -> None:
    entry_points.append(FakeEntryPoint("ctrl_c", plugin_module("c_mod", fails_with(
        KeyboardInterrupt()))))
    with pytest.raises(KeyboardInterrupt):
        registry.embedders.names()


def test_names_a_failed_plugin_registered_are_dropped(entry_points: list[FakeEntryPoint]) -> None:
    entry_points += [
        FakeEntryPoint("a_good", plugin_module("g_mod", registers("embedders", "shared.v1"))),
        FakeEntryPoint("b_half", plugin_module("h_mod", registers_then_fails(
            "embedders", "half.v1", SystemExit(1)))),
        FakeEntryPoint("c_clobber", plugin_module("c_mod", registers_then_fails(
            "embedders", "shared.v1", RuntimeError("late")))),
    ]
    # the half-registered name is unknown, so a study fails at validation, not after training
    assert registry.embedders.names() == ["shared.v1"]
    with pytest.raises(RegistryError, match="b_half"):
        registry.embedders.get("half.v1")
    # the name a failed plugin overwrote is the good plugin's again
    assert registry.embedders.get("shared.v1")() == "shared.v1"
    records = records_by_name()
    assert records["b_half"].registered == []
    assert "its names were dropped: embedders:half.v1" in (records["b_half"].error or "")
    assert records["a_good"].registered == ["embedders:shared.v1"]


def test_metadata_travels_with_names_and_is_dropped_with_them(
    entry_points: list[FakeEntryPoint],
) -> None:
    def with_metadata(registry: Any) -> None:
        registry.evaluators.register("m.eval.v1", func=print, dataset_kinds=("norms",))
        registry.evaluators.register("m.plain.v1", func=print)

    def metadata_then_fails(registry: Any) -> None:
        registry.evaluators.register("f.eval.v1", func=print, dataset_kinds=("norms",))
        raise RuntimeError("after registering")

    entry_points += [
        FakeEntryPoint("meta", plugin_module("meta_mod", with_metadata)),
        FakeEntryPoint("meta_fails", plugin_module("mf_mod", metadata_then_fails)),
    ]
    assert registry.evaluators.with_metadata("dataset_kinds") == {"m.eval.v1": ("norms",)}
    assert dict(registry.evaluators.metadata("m.eval.v1")) == {"dataset_kinds": ("norms",)}
    assert dict(registry.evaluators.metadata("m.plain.v1")) == {}
    with pytest.raises(RegistryError):
        registry.evaluators.metadata("f.eval.v1")


def test_disable_env_skips_plugins_without_importing_them(
    entry_points: list[FakeEntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    skipped = FakeEntryPoint("skipped", plugin_module("s_mod", registers("embedders", "s.v1")))
    also = FakeEntryPoint("also", ImportError("would fail if imported"))
    kept = FakeEntryPoint("kept", plugin_module("k_mod", registers("embedders", "k.v1")))
    entry_points += [skipped, also, kept]
    monkeypatch.setenv(plugin_loader.DISABLE_ENV, " skipped, also ,")
    assert registry.embedders.names() == ["k.v1"]
    assert skipped.loads == 0 and also.loads == 0
    assert {r.name: r.status for r in plugin_loader.plugin_records()} == {
        "also": "disabled", "kept": "loaded", "skipped": "disabled",
    }
    assert plugin_loader.failed_plugins() == []


def test_trace_env_reports_loaded_failed_and_disabled(
    entry_points: list[FakeEntryPoint], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entry_points += [
        FakeEntryPoint("ok", plugin_module("ok_mod", registers("embedders", "ok.v1"))),
        FakeEntryPoint("bad", plugin_module("bad_mod", fails_with(ValueError("nope")))),
        FakeEntryPoint("off", plugin_module("off_mod", registers("embedders", "off.v1"))),
    ]
    monkeypatch.setenv(plugin_loader.DISABLE_ENV, "off")
    monkeypatch.setenv(plugin_loader.TRACE_ENV, "1")
    registry.embedders.names()
    stderr = capsys.readouterr().err
    assert "ok: loaded in" in stderr and "registered 1 names" in stderr
    assert "bad: FAILED" in stderr and "ValueError: nope" in stderr  # with the traceback
    assert "off: disabled by LEXIPLUG_DISABLE_PLUGINS" in stderr


def test_no_trace_output_by_default(
    entry_points: list[FakeEntryPoint], capsys: pytest.CaptureFixture[str]
) -> None:
    entry_points.append(FakeEntryPoint("ok", plugin_module("ok_mod", registers("embedders", "o"))))
    registry.embedders.names()
    assert "[lexiplug plugins]" not in capsys.readouterr().err


def test_same_distribution_seen_twice_loads_once(entry_points: list[FakeEntryPoint]) -> None:
    module = plugin_module("twice_mod", registers("embedders", "t.v1"))
    entry_points += [FakeEntryPoint("twice", module), FakeEntryPoint("twice", module)]
    assert registry.embedders.names() == ["t.v1"]
    assert [r.name for r in plugin_loader.plugin_records()] == ["twice"]


def test_two_plugins_under_one_name_are_reported_not_dropped(
    entry_points: list[FakeEntryPoint],
) -> None:
    entry_points += [
        FakeEntryPoint("static", plugin_module("first_mod", registers("embedders", "first.v1")),
                       dist=FakeDistribution("lexiplug")),
        FakeEntryPoint("static", plugin_module("second_mod", registers("embedders", "second.v1")),
                       dist=FakeDistribution("someone-elses-plugin")),
    ]
    assert registry.embedders.names() == ["first.v1"]
    records = plugin_loader.plugin_records()
    assert [(r.distribution, r.status) for r in records] == [
        ("lexiplug", "loaded"), ("someone-elses-plugin", "failed"),
    ]
    assert "already used by lexiplug (first_mod)" in (records[1].error or "")


def test_register_hook_may_look_names_up(entry_points: list[FakeEntryPoint]) -> None:
    def register(registry: Any) -> None:
        if not registry.embedders.has("base.v1"):  # must not restart plugin loading
            registry.embedders.register("fallback.v1", func=print)

    entry_points += [
        FakeEntryPoint("a", plugin_module("a_base", registers("embedders", "base.v1"))),
        FakeEntryPoint("b", plugin_module("b_lookup", register)),
    ]
    assert registry.embedders.names() == ["base.v1"]
    assert [r.status for r in plugin_loader.plugin_records()] == ["loaded", "loaded"]


def test_reset_for_tests_loads_again_under_a_new_environment(
    entry_points: list[FakeEntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = FakeEntryPoint("p", plugin_module("p_mod", registers("embedders", "p.v1")))
    entry_points.append(plugin)
    monkeypatch.setenv(plugin_loader.DISABLE_ENV, "p")
    assert plugin_loader.plugin_records()[0].status == "disabled"
    monkeypatch.delenv(plugin_loader.DISABLE_ENV)
    assert plugin_loader.plugin_records()[0].status == "disabled"  # cached until reset
    plugin_loader.reset_for_tests()
    assert plugin_loader.plugin_records()[0].status == "loaded"
    assert plugin.loads == 1


def test_import_lexiplug_loads_no_plugin() -> None:
    code = (
        "import sys, lexiplug\n"
        "from lexiplug import plugin_loader\n"
        "lexiplug.registry.embedders.register('x.v1', func=print)\n"
        "print(plugin_loader._loaded, any(m.startswith('lexiplug.plugins') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_real_builtin_plugins_come_through_the_same_entry_points() -> None:
    found = importlib.metadata.entry_points(group=plugin_loader.ENTRY_POINT_GROUP)
    builtins = {ep.name: ep.value for ep in found if ep.value.startswith("lexiplug.plugins.")}
    assert {"static", "evaluators", "datasets"} <= set(builtins)
    assert all(value.endswith(".plugin") for value in builtins.values())


def test_plugins_list_cli_reports_each_plugin(entry_points: list[FakeEntryPoint],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from lexiplug.cli.main import app
    from typer.testing import CliRunner

    entry_points += [
        FakeEntryPoint("good", plugin_module("g_mod", registers("embedders", "g.v1")),
                       dist=FakeDistribution("good-dist", "0.3")),
        FakeEntryPoint("bad", plugin_module("b_mod", fails_with(KeyError("oops")))),
        FakeEntryPoint("off", ImportError("never imported")),
    ]
    monkeypatch.setenv(plugin_loader.DISABLE_ENV, "off")
    result = CliRunner().invoke(app, ["plugins", "list", "--json"])
    assert result.exit_code == 0, result.output
    listed = {record["name"]: record for record in json.loads(result.stdout)}
    assert listed["good"]["status"] == "loaded" and listed["good"]["registered"] == [
        "embedders:g.v1"
    ]
    assert (listed["good"]["distribution"], listed["good"]["version"]) == ("good-dist", "0.3")
    assert listed["bad"]["status"] == "failed" and listed["bad"]["error"] == "KeyError: 'oops'"
    assert listed["off"]["status"] == "disabled" and listed["off"]["error"] is None
    text = CliRunner().invoke(app, ["plugins", "list"]).stdout
    assert "KeyError: 'oops'" in text and "g.v1" in text and "disabled" in text


def test_real_plugins_reload_with_their_names_after_a_fake_run(
    entry_points: list[FakeEntryPoint],
) -> None:
    entry_points.append(FakeEntryPoint("fake", plugin_module("f_mod", registers("encoders", "f"))))
    assert registry.encoders.names() == ["f"]


def test_after_the_fixture_real_records_list_their_names() -> None:
    # runs after the test above (file order): the real built-ins are back, names recorded
    records = plugin_loader.plugin_records()
    assert "fake" not in {record.name for record in records}
    loaded = [record for record in records if record.status == "loaded"]
    assert loaded and any(record.registered for record in loaded)
    assert not registry.encoders.has("f")
