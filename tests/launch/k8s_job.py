#!/usr/bin/env python3
"""Runs scripts/k8s/collbench-job.yaml here, without Kubernetes, as its pods would run.

usage: k8s_job.py MANIFEST COLLBENCH VALIDATOR SCHEMA

Checks the wiring a cluster would rely on: an Indexed Job whose completions, parallelism and
WORLD_SIZE agree; RANK from the completion index; MASTER_ADDR naming pod 0 through the headless
Service (subdomain = the Service's name, the Service selecting the Job's pods, its port the
MASTER_PORT); the job token from the Job's uid; the EFA and GPU requests named as on EKS. Then
starts one process per index with the environment Kubernetes would give it (the downward API's
fields filled in, pod 0's DNS name resolved to 127.0.0.1 and a free port for MASTER_PORT) and
the container's command with a short sweep, and validates rank 0's result file."""
import os
import socket
import subprocess
import sys
import tempfile

import yaml

INDEX_FIELD = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
UID_FIELD = "metadata.labels['batch.kubernetes.io/controller-uid']"


def fail(message):
    print(f"k8s_job: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def load(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    kinds = {d["kind"]: d for d in docs}
    check(set(kinds) == {"Service", "Job"}, f"expected a Service and a Job, found {list(kinds)}")
    return kinds["Service"], kinds["Job"]


def container_env(container, index, uid):
    """The container's environment as Kubernetes would fill it in for pod `index`."""
    env = {}
    for var in container["env"]:
        if "value" in var:
            env[var["name"]] = var["value"]
            continue
        field = var["valueFrom"]["fieldRef"]["fieldPath"]
        check(field in (INDEX_FIELD, UID_FIELD), f"{var['name']}: unexpected field {field}")
        env[var["name"]] = str(index) if field == INDEX_FIELD else uid
    return env


def check_wiring(service, job):
    spec = job["spec"]
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    env = container_env(container, 0, "uid")
    n = spec["completions"]
    check(spec.get("completionMode") == "Indexed", "the Job is not Indexed")
    check(spec["parallelism"] == n, "parallelism differs from completions: ranks would wait")
    check(env["WORLD_SIZE"] == str(n), f"WORLD_SIZE {env['WORLD_SIZE']} but {n} completions")
    check(env["RANK"] == "0", "RANK does not come from the completion index")
    check(service["spec"].get("clusterIP") == "None", "the Service is not headless")
    check(pod.get("subdomain") == service["metadata"]["name"], "subdomain is not the Service")
    labels = spec["template"]["metadata"]["labels"]
    selector = service["spec"]["selector"]
    check(all(labels.get(k) == v for k, v in selector.items()), "the Service selects no pod")
    pod0 = f"{job['metadata']['name']}-0.{service['metadata']['name']}"
    check(env["MASTER_ADDR"] == pod0, f"MASTER_ADDR {env['MASTER_ADDR']}, pod 0 is {pod0}")
    ports = [p["port"] for p in service["spec"]["ports"]]
    check(int(env["MASTER_PORT"]) in ports, f"MASTER_PORT {env['MASTER_PORT']} not in {ports}")
    check("COLLBENCH_JOB_TOKEN" in env, "no job token")
    limits = container["resources"]["limits"]
    for resource in ("vpc.amazonaws.com/efa", "nvidia.com/gpu"):
        check(resource in limits, f"no {resource} request")
    return n, container


def free_port():
    s = socket.socket()
    s.bind(("", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_pods(n, container, collbench, result):
    port = str(free_port())
    procs = []
    for index in range(n):
        env = dict(os.environ, **container_env(container, index, "job-uid-1234"))
        env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=port)  # what pod 0's name resolves to
        args = ["-b", "8", "-e", "64K", "-f", "8", "-n", "2", "-w", "1", "--algo", "ring,tree",
                "-J", result]
        procs.append(subprocess.Popen([collbench] + args, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True))
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    for index, (p, out) in enumerate(zip(procs, outputs)):
        check(p.returncode == 0, f"pod {index} exited {p.returncode}:\n{out}")
    return outputs[0]


def main():
    manifest, collbench, validator, schema = sys.argv[1:5]
    service, job = load(manifest)
    n, container = check_wiring(service, job)
    check(os.path.basename(container["command"][0]) == "collbench", "the command is not collbench")
    with tempfile.TemporaryDirectory() as d:
        result = os.path.join(d, "collbench.json")
        console = run_pods(n, container, collbench, result)
        check("bootstrap env (rendezvous at 127.0.0.1:" in console, "rank 0 did not say how")
        subprocess.run([validator, schema, result, "--ranks", str(n), "--algos", "ring,tree",
                        "--checked", "--state", "complete", "--bootstrap", "env"], check=True)
    print(f"k8s_job: {n} pods of the Indexed Job met and measured, every element checked")


if __name__ == "__main__":
    main()
