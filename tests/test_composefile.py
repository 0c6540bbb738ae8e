"""docker-compose.yml's subgraph services and gateway are generated from the registry
(``grunndata.composefile``) and the checked-in file is current."""

from __future__ import annotations

import dataclasses

import yaml

from grunndata.composefile import COMPOSE_FILE, FELLES, current, main
from grunndata.registers import REGISTERS


def test_the_checked_in_compose_file_is_current():
    text = COMPOSE_FILE.read_text()
    assert current(text) == text, "run: python -m grunndata.composefile"
    assert main(["--check"]) == 0


def test_every_register_is_a_subgraph_service_the_gateway_waits_for():
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    gateway = services["gateway"]
    urls = dict(entry.split("=", 1) for entry in gateway["environment"]["SUBGRAPHS"].split())
    assert list(urls) == [*(r.name for r in REGISTERS), FELLES]
    assert services[FELLES]["command"][:4] == ["grunndata", "serve", "--subgraph", FELLES]
    assert gateway["depends_on"][FELLES] == {"condition": "service_healthy"}
    for register in REGISTERS:
        service = services[register.name]
        assert service["command"][:4] == ["grunndata", "serve", "--subgraph", register.name]
        assert service["profiles"] == ["federated"] and "healthcheck" in service
        assert gateway["depends_on"][register.name] == {"condition": "service_healthy"}
        assert urls[register.name] == f"http://{register.name}:8000/graphql"


def test_a_new_register_gets_its_service_without_editing_the_file():
    extra = dataclasses.replace(REGISTERS[-1], name="nyttregister", title="Nytt register")
    text = current(COMPOSE_FILE.read_text(), (*REGISTERS, extra))
    services = yaml.safe_load(text)["services"]
    assert services["nyttregister"]["command"][3] == "nyttregister"
    assert "nyttregister" in services["gateway"]["depends_on"]
    assert (
        "nyttregister=http://nyttregister:8000/graphql"
        in (services["gateway"]["environment"]["SUBGRAPHS"])
    )
