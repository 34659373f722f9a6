"""Why antidistill.events.validate checks by hand: a measurement.

Compares, per line of a spec-format log: orjson.loads alone; loads + the hand
checks + flattening + raw-body dumps (what ingestion does); loads + a strict
pydantic v2 model of the same fields + raw-body dumps (validation only, no
flattening yet). Usage: python benchmarks/bench_validation_choice.py [FILE.jsonl[.gz]] [--lines N]
"""
import argparse, gzip, itertools, statistics, time
from pathlib import Path

import orjson
from typing import Literal, Optional, Union
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, StrictFloat
from antidistill.events.validate import flatten_event, BadRecord

class M(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: StrictStr
    content: Optional[StrictStr] = None
class Fn(BaseModel):
    name: Optional[StrictStr] = None
class Tool(BaseModel):
    function: Optional[Fn] = None
class Req(BaseModel):
    model: Optional[StrictStr] = None
    messages: Optional[list[M]] = None
    prompt: Optional[StrictStr] = None
    instances: Optional[list] = None
    temperature: Optional[Union[StrictInt, StrictFloat]] = None
    top_p: Optional[Union[StrictInt, StrictFloat]] = None
    max_tokens: Optional[StrictInt] = Field(None, ge=0)
    n: Optional[StrictInt] = None
    seed: Optional[StrictInt] = None
    logprobs: Optional[Union[StrictBool, StrictInt]] = None
    top_logprobs: Optional[StrictInt] = None
    logit_bias: Optional[dict[str, Union[StrictInt, StrictFloat]]] = None
    tools: Optional[list[Tool]] = None
    user: Optional[StrictStr] = None
class Msg(BaseModel):
    content: Optional[StrictStr] = None
class Choice(BaseModel):
    message: Optional[Msg] = None
    text: Optional[StrictStr] = None
    finish_reason: Optional[StrictStr] = None
class Usage(BaseModel):
    prompt_tokens: Optional[StrictInt] = None
    completion_tokens: Optional[StrictInt] = None
class Resp(BaseModel):
    choices: Optional[list[Choice]] = None
    usage: Optional[Usage] = None
class Event(BaseModel):
    request_id: StrictStr
    ts: StrictStr
    account_id: StrictStr
    api_key_id: Optional[StrictStr] = None
    client_ip: Optional[StrictStr] = None
    user_agent: Optional[StrictStr] = None
    endpoint: Literal["/v1/chat/completions", "/v1/completions", "/v1/predict"]
    request: Req
    response: Optional[Resp] = None
    status: StrictInt
    latency_ms: Optional[Union[StrictInt, StrictFloat]] = None

parser = argparse.ArgumentParser()
parser.add_argument("file", nargs="?", type=Path,
                    default=Path(__file__).resolve().parent.parent / "bench-data/full/events.jsonl.gz")
parser.add_argument("--lines", type=int, default=20000)
args = parser.parse_args()
opener = gzip.open if args.file.name.endswith(".gz") else open
with opener(args.file, "rb") as fh:
    lines = list(itertools.islice(fh, args.lines))
def hand():
    for l in lines:
        try: flatten_event(orjson.loads(l), 'f', 1)
        except BadRecord: pass
def pyd():
    for l in lines:
        d = orjson.loads(l)
        try: Event.model_validate(d)
        except Exception: pass
        orjson.dumps(d['request'])  # raw bodies still needed
        orjson.dumps(d['response'])
def loads_only():
    for l in lines: orjson.loads(l)
res = {}
for rep in range(3):
    for name, fn in (('loads only', loads_only), ('hand', hand), ('pydantic validate only (no flattening)', pyd)):
        t = time.perf_counter(); fn(); res.setdefault(name, []).append(time.perf_counter() - t)
for k, v in res.items(): print(f"{k}: {statistics.median(v)/len(lines)*1e6:.1f} us/line")
