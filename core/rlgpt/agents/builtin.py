"""The built-in slow agent, fast agent, critic and single agent.

They register through the same hooks a third-party plugin uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rlgpt.agents.base import (
    CodeRequest,
    CritiqueContext,
    IterationFeedback,
    PlanningContext,
    Tags,
)
from rlgpt.agents.conversation import REPAIR_ECHO_CHARS, ask, ask_json, complete, cut_off_note, render
from rlgpt.agents.examples import WorkedExample, coder_example_text, load_example, planner_example_text
from rlgpt.agents.schemas import (
    MAX_CODED_ACTIONS,
    MAX_SUBTASKS,
    Critique,
    CritiqueAnswer,
    OnePass,
    Plan,
    critique_schema,
    plan_schema,
)
from rlgpt.agents.whole_task import WholeTaskPlanner
from rlgpt.code import DEFAULT_ALLOWED_MODULES
from rlgpt.hookspecs import hookimpl
from rlgpt.llm.types import LLM, Image, Message, PythonBlock, SamplingParams
from rlgpt.skill_library import SkillEntry
from rlgpt.skills import render_skill_doc, render_skill_summary
from rlgpt.specs import AgentSpec, AgentStructure
from rlgpt.textbound import bound_text


def describe_plan(plan: Plan) -> str:
    """A plan as a numbered list, for prompts and reports."""
    lines = []
    for number, sub in enumerate(plan.subtasks, 1):
        extra = ""
        if sub.method == "rl":
            macros = ", ".join(a.name for a in sub.coded_actions) or "none"
            extra = f" [primitives: {', '.join(sub.primitives) or 'all'}; coded actions: {macros}]"
        head = f"{number}. {sub.name} ({sub.method}): {sub.description}"
        lines.append(f"{head} Done when: {sub.done_condition}.{extra}")
    return "\n".join(lines)


def describe_history(history: tuple[IterationFeedback, ...]) -> str:
    """Earlier iterations, newest last, for the planner."""
    if not history:
        return "This is the first iteration."
    parts = ["Earlier iterations:"]
    for item in history:
        parts.append(f"Iteration {item.iteration}: success rate {item.success_rate:.2f}.")
        if item.plan:
            parts.append(describe_plan(item.plan))
        parts.append(item.summary)
        if item.critique and item.critique.planner_feedback:
            parts.append(f"Critic: {item.critique.planner_feedback}")
    parts.append("Improve the plan using this feedback.")
    return "\n".join(parts)


def describe_traces(traces: Mapping[str, str]) -> str:
    """The dry-run traces of failing sub-tasks' programs, for the critic (empty without any)."""
    if not traces:
        return ""
    listed = "\n".join(f"- {name}:\n{_indent(trace)}" for name, trace in traces.items())
    return "\n" + render("critic_traces", traces=listed)


def describe_skills(skills: tuple[SkillEntry, ...], prompt: str, end: str = "") -> str:
    """Retrieved skill-library entries for the ``planner_skills`` or ``coder_skills`` prompt, each
    with its signature, description and success rate, a blank line before them and ``end`` after
    (empty without any, leaving the prompt as it was before skill libraries)."""
    if not skills:
        return ""
    return "\n" + render(prompt, skills="\n".join(entry.line() for entry in skills)) + end


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


class _LLMAgent:
    """Holds the LLM and the sampling parameters of one agent.

    :param examples: a reference transcript; the prompts then show a worked example from it
        (a plan and its programs for another task, see :mod:`rlgpt.agents.examples`).
    """

    def __init__(
        self, llm: LLM, temperature: float = 0.0, max_tokens: int = 2048, examples: str | Path | None = None
    ) -> None:
        self.llm = llm
        self.params = SamplingParams(temperature=temperature, max_tokens=max_tokens)
        self.examples = Path(examples).resolve() if examples else None

    def example(self, task: str) -> WorkedExample | None:
        """The worked example shown when solving ``task`` (``None`` without a transcript)."""
        return load_example(self.examples, task) if self.examples else None


class DefaultPlanner(_LLMAgent):
    """The slow agent: decomposes the task and picks code or RL per sub-task."""

    def plan(self, context: PlanningContext, tags: Tags) -> Plan:
        """Ask for a JSON plan (one repair round-trip on a malformed answer)."""
        output = plan_schema(context.env.primitive_actions)
        messages = planner_messages(context, self.example(context.task.id))
        return ask_json(self.llm, messages, Plan, "planner", tags, self.params, output)


def planner_messages(context: PlanningContext, example: WorkedExample | None = None) -> list[Message]:
    """The slow agent's prompt."""
    env = context.env
    system = render(
        "planner_system", env=env.name, max_subtasks=MAX_SUBTASKS, max_coded_actions=MAX_CODED_ACTIONS
    )
    return [
        Message("system", system),
        Message(
            "user",
            render(
                "planner_user",
                instruction=context.task.instruction,
                primitives=", ".join(env.primitive_actions) or "(continuous)",
                skill_summary=render_skill_summary(env.skill_api),
                example=planner_example_text(example),
                skills=describe_skills(context.skills, "planner_skills", end="\n"),
                history=describe_history(context.history),
            ),
        ),
    ]


def coder_messages(request: CodeRequest, example: WorkedExample | None = None) -> list[Message]:
    """The fast agent's prompt for one sub-task."""
    sub = request.subtask
    required = "\n".join(f"- def {name}({', '.join(params)})" for name, params in request.required.items())
    feedback = f"\nFeedback from earlier iterations:\n{request.feedback}" if request.feedback else ""
    return [
        Message(
            "system",
            render(
                "coder_system",
                env=request.env.name,
                allowed_modules=", ".join(request.allowed_modules),
                step_budget=request.step_budget,
                timeout_s=request.timeout_s,
            ),
        ),
        Message(
            "user",
            render(
                "coder_user",
                instruction=request.task.instruction,
                plan=describe_plan(request.plan),
                subtask=sub.name,
                method=sub.method,
                description=sub.description,
                done_condition=sub.done_condition,
                required=required,
                skill_doc=render_skill_doc(request.env.skill_api),
                example=coder_example_text(example, sub.method),
                skills=describe_skills(request.skills, "coder_skills"),
                feedback=feedback,
            ),
        ),
    ]


def fix_messages(
    request: CodeRequest, answer: str, error: str, example: WorkedExample | None = None
) -> list[Message]:
    """The inner loop: the coder's prompt with the rejected answer (the program shown again, bounded)
    and the exact reason (with what the program did in its dry run, when the loop traced it) added
    to its request, so a fix needs no earlier turn of the conversation."""
    system, user = coder_messages(request, example)
    program = bound_text(answer, REPAIR_ECHO_CHARS)
    fix = render("coder_fix", subtask=request.subtask.name, program=program, error=error)
    return [system, Message("user", f"{user.content}\n\n{fix}")]


def code_output(request: CodeRequest) -> PythonBlock:
    """The shape of a coder answer: one fenced Python block of function definitions, importing only
    the allowed modules and defining the required functions."""
    return PythonBlock(tuple(request.required), modules=tuple(request.allowed_modules))


class DefaultCoder(_LLMAgent):
    """The fast agent: writes coded actions, done conditions and shaped rewards.

    A fix request says when the rejected answer had been cut off at the token limit, and a
    fix that repeats the rejected answer byte for byte is asked once more, with that said.
    """

    def __init__(
        self, llm: LLM, temperature: float = 0.0, max_tokens: int = 2048, examples: str | Path | None = None
    ) -> None:
        super().__init__(llm, temperature, max_tokens, examples)
        self._cut_off: set[str] = set()

    def write(self, request: CodeRequest, tags: Tags) -> str:
        """Ask for the sub-task's program."""
        return self._ask(coder_messages(request, self.example(request.task.id)), tags, request)

    def fix(self, request: CodeRequest, answer: str, error: str, tags: Tags) -> str:
        """Ask for a corrected program, quoting the rejection."""
        if answer in self._cut_off:
            error += f"\nYour answer was cut off at the limit of {self.params.max_tokens} tokens: write less."
        messages = fix_messages(request, answer, error, self.example(request.task.id))
        fixed = self._ask(messages, tags, request)
        if fixed != answer:
            return fixed
        again = [*messages, Message("assistant", fixed), Message("user", render("coder_repeated"))]
        return self._ask(again, {**tags, "repeated": "1"}, request)

    def _ask(self, messages: list[Message], tags: Tags, request: CodeRequest) -> str:
        completion = complete(self.llm, messages, tags, self.params, code_output(request))
        if cut_off_note(completion, self.params):
            self._cut_off.add(completion.text)
        return completion.text


class DefaultCritic(_LLMAgent):
    """Reads rollouts and answers a verdict per sub-task plus feedback for both agents."""

    def critique(self, context: CritiqueContext, tags: Tags) -> Critique:
        """Ask for a JSON critique (one repair round-trip on a malformed answer)."""
        text = render(
            "critic_user",
            instruction=context.task.instruction,
            plan=describe_plan(context.plan),
            episodes=context.episodes,
            success_rate=f"{context.success_rate:.2f}",
            rollouts=context.rollouts,
            traces=describe_traces(context.traces),
        )
        images = tuple(Image(png) for png in context.frames.values()) if self.llm.supports_images else ()
        if images:
            text += "\n\n" + render("critic_frames", count=len(images), subtasks=", ".join(context.frames))
        messages = [
            Message("system", render("critic_system", env=context.env.name)),
            Message("user", text, images=images),
        ]
        output = critique_schema([sub.name for sub in context.plan.subtasks])
        answer = ask_json(self.llm, messages, CritiqueAnswer, "critic", tags, self.params, output)
        return Critique.model_validate(answer.model_dump())


class OneAgent(_LLMAgent):
    """One agent that plans and codes in a single answer (the "one-agent" ablation).

    It serves as both planner and coder: :meth:`plan` asks once for the plan and all
    programs; :meth:`write` hands out the program it got; :meth:`fix` asks the same
    agent again.
    """

    def __init__(
        self, llm: LLM, temperature: float = 0.0, max_tokens: int = 4096, examples: str | Path | None = None
    ) -> None:
        super().__init__(llm, temperature, max_tokens, examples)
        self._code: dict[str, str] = {}

    def plan(self, context: PlanningContext, tags: Tags) -> Plan:
        """Ask for the plan and its programs together."""
        system = render(
            "one_agent_system", env=context.env.name, allowed_modules=", ".join(DEFAULT_ALLOWED_MODULES)
        )
        messages = [Message("system", system), *planner_messages(context)[1:]]
        answer = ask_json(self.llm, messages, OnePass, "planner", tags, self.params)
        self._code = dict(answer.code)
        return answer.plan

    def write(self, request: CodeRequest, tags: Tags) -> str:
        """The program written with the plan (no new request)."""
        if request.subtask.name not in self._code:
            return f"(no program was written for sub-task {request.subtask.name!r})"
        source = self._code[request.subtask.name]
        return source if "```" in source else f"```python\n{source}\n```"

    def fix(self, request: CodeRequest, answer: str, error: str, tags: Tags) -> str:
        """Ask the same agent for a corrected program."""
        return ask(self.llm, fix_messages(request, answer, error), tags, self.params)


@hookimpl
def register_planners(register):
    """The default slow agent, and the whole task as one program (no planner model)."""
    register(AgentSpec("default", DefaultPlanner, "RL-GPT slow agent: plan, code-or-RL per sub-task"))
    register(AgentSpec("whole-task", WholeTaskPlanner, "no model: the whole task as one code sub-task"))


@hookimpl
def register_coders(register):
    """The default fast agent."""
    description = "RL-GPT fast agent: coded actions and RL settings"
    register(AgentSpec("default", DefaultCoder, description))


@hookimpl
def register_critics(register):
    """The default critic."""
    register(AgentSpec("default", DefaultCritic, "reads rollouts, feeds back to both agents"))


@hookimpl
def register_agent_structures(register):
    """RL-GPT's two agents with a critic, without one, and a single agent (the ablations)."""
    register(
        AgentStructure("slow+fast+critic", "slow agent plans, fast agent codes, a critic reads rollouts")
    )
    register(AgentStructure("slow+fast", "slow agent plans, fast agent codes; no critic", critic=False))
    single = AgentSpec("one-agent", OneAgent, "one agent plans and codes in a single answer")
    register(AgentStructure("one-agent", single.description, critic=False, combined=single))
