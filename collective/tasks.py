from celery import shared_task


@shared_task(name="collective.record_heartbeat")
def record_heartbeat_task(name: str = "worker") -> None:
    """Prove the worker (and, when scheduled, beat) runs: the health page shows when it last did.

    A worker ran this task, so it is the worker's heartbeat too.
    """
    from collective.services import record_heartbeat

    record_heartbeat(name=name)
    if name != "worker":
        record_heartbeat(name="worker")


@shared_task(name="collective.backup")
def backup_task() -> str:
    """The daily backup on beat: a new archive, then the ones older than BACKUP_KEEP_DAYS go."""
    from collective.backup import make_backup, prune_backups

    path = make_backup()
    prune_backups()
    return str(path)
