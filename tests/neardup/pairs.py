"""Labelled pairs of short Chinese problem descriptions for the
near-duplicate index (RECT-6): true repeats with small edits, near misses
(edits around the threshold, a clause added or reordered) and unrelated
texts written from the same vocabulary. Deterministic from the seed; used
by tests/neardup and bench/bench_repeats.py."""

import random

SUBJECTS = ["重点项目审批", "学校食堂检查", "窗口服务", "12345工单办理", "农村道路养护", "企业开办登记",
            "不动产登记", "低保资格审核", "河道垃圾清理", "安全生产检查", "招商引资项目", "老旧小区改造",
            "村级财务公开", "医保报销", "征地拆迁补偿", "公文办理", "防汛物资储备", "信访件办理",
            "会议安排", "基层减负", "营商环境投诉", "专项资金拨付", "危房改造", "道路交通秩序"]
PROBLEMS = ["拖延办理，群众反映办事慢", "走过场，只看资料不看现场", "推诿扯皮，部门之间相互推责",
            "超时限未办结", "层层加码，增加基层负担", "以会议落实会议，以文件落实文件",
            "台账弄虚作假，数据前后不一致", "服务态度生硬，门难进脸难看", "责任不落实，整改不到位",
            "重复检查，频次过多", "回复敷衍，群众不满意", "底数不清，情况不明",
            "资金拨付滞后，影响项目进度", "落实上级部署打折扣", "多头填报，材料重复提交"]
TAILS = ["", "，已多次被群众投诉", "，上级督查时再次指出", "，整改后又出现反弹", "，影响较大",
         "，群众意见较大", "，长期未解决", "，至今未整改到位", "，存在廉政风险", "，造成不良影响"]
FILLER = "的一了是在和有对为到与及其中上下大小多少新老重要工作问题情况部门单位群众服务管理检查落实整改"
PUNCT = ["，", "。", "、", "；", " ", "　", ",", "."]


def base_text(rng: random.Random) -> str:
    head = rng.choice(SUBJECTS)
    text = head + rng.choice(["存在", "中", "工作", "方面", ""]) + rng.choice(PROBLEMS) + rng.choice(TAILS)
    if rng.random() < 0.3:
        text += "，" + rng.choice(PROBLEMS)
    return text


def edit(rng: random.Random, text: str, n: int) -> str:
    """`n` random single-character edits (substitute, insert, delete)."""
    chars = list(text)
    for _ in range(n):
        op = rng.random()
        i = rng.randrange(len(chars) + 1)
        if op < 0.4 and i < len(chars):
            chars[i] = rng.choice(FILLER)
        elif op < 0.7:
            chars.insert(i, rng.choice(FILLER))
        elif chars:
            del chars[min(i, len(chars) - 1)]
    return "".join(chars)


def cosmetic(rng: random.Random, text: str) -> str:
    """Punctuation, spaces and full-width forms: nothing the rule sees."""
    out = []
    for ch in text:
        if ch in "，。、；" and rng.random() < 0.5:
            ch = rng.choice(PUNCT)
        elif ch.isdigit() and rng.random() < 0.5:
            ch = chr(ord(ch) + 0xFEE0)
        out.append(ch)
    if rng.random() < 0.5:
        out.append(rng.choice(["。", "！", " "]))
    return "".join(out)


def labelled_pairs(n: int = 2400, seed: int = 20261207) -> list[tuple[str, str, str]]:
    """[(kind, a, b)]: about a third repeats (cosmetic changes, 1–3 edits),
    a third near misses (4–9 edits, a clause added, clauses swapped), a
    third unrelated texts."""
    rng = random.Random(seed)
    pairs = []
    for i in range(n):
        a = base_text(rng)
        kind = ("repeat", "near_miss", "unrelated")[i % 3]
        if kind == "repeat":
            b = cosmetic(rng, edit(rng, a, rng.randint(0, 3)))
        elif kind == "near_miss":
            choice = rng.random()
            if choice < 0.6:
                b = edit(rng, a, rng.randint(4, 9))
            elif choice < 0.8:
                b = a + "，" + rng.choice(PROBLEMS)
            else:
                parts = a.split("，")
                rng.shuffle(parts)
                b = "，".join(parts)
        else:
            b = base_text(rng)
        pairs.append((kind, a, b))
    return pairs
