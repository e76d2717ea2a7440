"""Pictures and pages made from the contract: the HTML reference and task DAG drawings.

* :func:`contracts.docs.render.render_reference` — the self-contained HTML reference;
* :func:`contracts.docs.taskgraph.task_graph` → :func:`contracts.docs.layout.layered` →
  :func:`contracts.docs.svg.render_svg` or :func:`contracts.docs.mermaid.render_mermaid` —
  a task's subtask graph, coloured by status, with flagged subtasks and edges highlighted
  (:func:`contracts.docs.flags.flags_for`);
* :func:`contracts.docs.task_lifecycle.moves` → :func:`contracts.docs.statechart.render_state_chart` —
  the task and subtask lifecycle as state charts: the engine's moves and each control call's.
"""
