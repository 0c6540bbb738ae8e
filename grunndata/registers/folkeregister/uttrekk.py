"""Folkeregisteret's baseline: the complete extract at the feed's last sequence number.

``baseline`` reads the last sequence number S (``siste/sekvensnummer``), orders the
complete extract at S (``uttrekk/komplett?feedsekvensnr=S``), waits while a batch is not
ready (404), loads each batch (its persons fetched in bulk lookups of at most 1000, one
transaction per batch, the progress stored with it so that a crash resumes after the last
committed batch) and, when the extract answers ``{}``, sets the cursor to S. 410: the job
is gone, say so and start again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx

from grunndata.kilder.batch import Batch, apply
from grunndata.kilder.follow import StewardNeeded, read_json
from grunndata.kilder.http import Stopped
from grunndata.registers.folkeregister.formats import FORMAT

if TYPE_CHECKING:
    from grunndata.registers.folkeregister.kilde import FregFollower

SOURCE = "freg"


def baseline(follower: FregFollower) -> int | None:
    """Load the complete extract; returns the sequence number S followed from (None:
    stopped before the last batch, to be resumed)."""
    kilde = follower.cursor()
    progress = kilde.baseline
    if progress is None:
        response = follower.client.get("/v1/hendelser/siste/sekvensnummer")
        text = response.text.strip().strip('"')
        if response.status_code != 200 or not text.isdigit():
            raise StewardNeeded(f"{SOURCE}: siste/sekvensnummer answered {response.status_code}")
        seq = int(text)
        job = follower.client.get("/v1/uttrekk/komplett", params={"feedsekvensnr": seq})
        body = read_json(job, SOURCE, "the extract order") if job.status_code == 200 else {}
        if not body.get("jobbId"):
            raise StewardNeeded(
                f"{SOURCE}: the extract could not be ordered (HTTP {job.status_code}"
                f"{': ' + str(body.get('feilmelding')) if body.get('feilmelding') else ''})"
            )
        progress = {"sekvensnummer": seq, "jobbId": body["jobbId"], "batch": 0}
        follower.save(kilde.posisjon, progress)
        follower.echo(f"{SOURCE}: extract {progress['jobbId']} ordered at sequence number {seq}")
    else:
        follower.echo(
            f"{SOURCE}: resuming extract {progress['jobbId']} at batch {progress['batch']}"
        )
    while True:
        if follower.stop.is_set():
            follower.echo(f"{SOURCE}: stopped; `--baseline` resumes at batch {progress['batch']}")
            return None
        number = int(progress["batch"])
        path = f"/v1/uttrekk/{progress['jobbId']}/batch/{number}"
        response = _ready(follower, path)
        if response.status_code == 410:
            follower.save(kilde.posisjon, None)
            raise StewardNeeded(
                f"{SOURCE}: the extract job {progress['jobbId']} is gone (HTTP 410); "
                "nothing more was written. Run `grunndata follow freg --baseline` again"
            )
        body = read_json(response, SOURCE, f"extract batch {number}")
        idents = body.get("foedselsEllerDNummer") if isinstance(body, dict) else None
        if not idents:
            break
        progress = {**progress, "batch": number + 1}
        documents = follower.documents([str(i) for i in idents])
        applied = apply(follower.database, Batch(
            source=SOURCE, label=f"{SOURCE} extract at {progress['sekvensnummer']} "
            f"batch {number}", fmt=FORMAT,
            payload=json.dumps(documents, ensure_ascii=False).encode(),
            fra=kilde.posisjon, til=kilde.posisjon, baseline=progress,
            locations=[f"extract batch {number}"] * len(documents),
        ))  # fmt: skip
        follower.echo(
            f"{SOURCE}: extract batch {number}: load {applied.load_id}, "
            f"{applied.records} documents, {applied.rejected} rejected"
        )
    seq = int(progress["sekvensnummer"])
    follower.save(str(seq), None)
    follower.echo(f"{SOURCE}: baseline loaded; following from sequence number {seq}")
    return seq


def _ready(follower: FregFollower, path: str) -> httpx.Response:
    """The batch, waiting (with backoff) while the job answers 404 (not ready)."""
    delay = 1.0
    while (response := follower.client.get(path)).status_code == 404:
        follower.echo(f"{SOURCE}: the extract is not ready yet; asking again in {delay:g} s")
        if follower.stop.wait(delay):
            raise Stopped(f"{SOURCE}: stopped while waiting for the extract")
        delay = min(delay * 2, 60.0)
    if response.status_code not in (200, 410):
        raise StewardNeeded(f"{SOURCE}: {path} answered HTTP {response.status_code}")
    return response
