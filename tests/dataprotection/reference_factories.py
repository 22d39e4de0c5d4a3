"""The dataprotection app's factories for the reference-leak test (see
tests/security/references.py): a proportionality pack refers to an operation or a tasking,
which may sit in a compartment its reader lacks. Packs are read only by people granted them
(the data-protection officer), so nothing of a restricted operation or tasking may show
through one to anybody else, the superuser holding ``general`` only included."""

from __future__ import annotations

from tests.intelligence.helpers import as_user


def _pack_of(subject_type: str):
    def build(world, hidden):
        from dataprotection import services

        subject = hidden.reference if subject_type == "operation" else str(hidden.pk)
        with as_user(world.oversight):
            return services.produce_pack(
                actor=world.oversight, subject_type=subject_type, subject=subject
            )

    return build


def _hidden_operation(world, marker):
    from operations.services import open_operation

    with as_user(world.analyst):
        return open_operation(
            actor=world.analyst,
            data={
                "name": f"{marker} operation",
                "reference": f"OP-{marker}",
                "objectives": marker,
                "compartment": world.restricted,
            },
        )


GENERAL: dict = {}
GENERAL_WITH = {
    ("dataprotection.proportionalitypack", "operation"): _pack_of("operation"),
    ("dataprotection.proportionalitypack", "tasking"): _pack_of("tasking"),
}
HIDDEN = {"operations.operation": _hidden_operation}
