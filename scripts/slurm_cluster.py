"""Start a Dask cluster on SLURM (or PBS, SGE, LSF) for `satspeed run --engine dask`.

Needs dask-jobqueue (`pip install dask-jobqueue`) on the login node, and satspeed installed in
the same environment on the compute nodes (a shared home or file system). Each job runs
`--cores` single-threaded dask worker processes (the kernels hold the GIL), so a job is one
node's worth of walkers. The scheduler's address goes to a scheduler file that satspeed reads:

    python scripts/slurm_cluster.py --jobs 8 --cores 32 --memory 64GB --walltime 04:00:00 \\
        --scheduler-file ~/satspeed-scheduler.json &
    satspeed run instances/ --engine dask --scheduler ~/satspeed-scheduler.json \\
        --walkers 1,2,4,8,16,32 --runs 500 -o results.csv

The cluster lives until this script is stopped (Ctrl-C) or the jobs reach their walltime;
`satspeed run` can be started, stopped and resumed against it any number of times.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

KINDS = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster",
         "lsf": "LSFCluster"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=sorted(KINDS), default="slurm")
    parser.add_argument("--jobs", type=int, default=1, help="batch jobs (nodes) to start")
    parser.add_argument("--cores", type=int, required=True, help="cores per job")
    parser.add_argument("--memory", required=True, help="memory per job, e.g. 64GB")
    parser.add_argument("--walltime", default="01:00:00")
    parser.add_argument("--queue", default=None, help="partition / queue")
    parser.add_argument("--account", default=None)
    parser.add_argument("--scheduler-file", type=Path, required=True)
    args = parser.parse_args()

    import dask_jobqueue
    from distributed import Client

    cluster_class = getattr(dask_jobqueue, KINDS[args.kind])
    cluster = cluster_class(cores=args.cores, processes=args.cores, memory=args.memory,
                            walltime=args.walltime, queue=args.queue, account=args.account)
    cluster.scale(jobs=args.jobs)
    client = Client(cluster)
    client.write_scheduler_file(str(args.scheduler_file.expanduser()))
    print(f"scheduler {cluster.scheduler_address}; scheduler file {args.scheduler_file}")
    print(cluster.job_script())
    try:
        while True:
            time.sleep(60)
            print(f"{len(client.scheduler_info()['workers'])} workers connected", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
