"""What every benchmark shares: the protocol, the environment, counting statements, plans, the table, texts.

The protocol: a benchmark is a module `benchmarks/bench_<topic>.py` with

    def main(argv: list[str] | None = None) -> list[Row]

that prints its details (figures, EXPLAIN plans) as it goes and returns its rows. A row is
`Row(what, figure, target, passed)`; `passed` is True/False against the target, or None for a
figure shown for information (the raw PostgreSQL floor, a latency). Any tuple of those four
values is accepted. `run_all.py` calls every benchmark this way and prints one table; each module
run alone prints its own.

Benchmarks run against PostgreSQL only (figures on SQLite would mean nothing), in the database
of `DATABASE_URL` (a scratch one: they leave their rows behind and reuse them next time).

What they write carries complaint texts of real shape (`complaint_texts`): real complaints cost
PostgreSQL several times more per row than a line of 25 characters, through the search indexes.
"""

from __future__ import annotations

import math
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent


class Row(NamedTuple):
    what: str
    figure: str
    target: str
    passed: bool | None


def bench_env() -> dict[str, str]:
    """The environment of the benchmark and of the servers it starts; refuses SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("benchmarks: set DATABASE_URL to a scratch PostgreSQL database (e.g. "
                 "postgres://postgres@127.0.0.1:5432/gov_bench); SQLite figures would mean nothing, refusing.")
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "bench-only-secret-key")
    env.setdefault("PII_ENCRYPTION_KEYS", "YmVuY2gtb25seS1waWkta2V5LW5vdC1mb3ItcHJvZCE=")
    env.setdefault("PII_INDEX_KEY", "bench-only-pii-index-key")
    env.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    (Path(env["VAR_DIR"]) / "staticfiles").mkdir(parents=True, exist_ok=True)  # whitenoise warns without it
    env["DEBUG"] = "0"
    env["DJANGO_SETTINGS_MODULE"] = "governance.settings"
    # One bench clerk sends every request, from the servers and from this process, into one shared
    # cache: the per-user throttle (300/minute) would measure itself, not the work.
    env.setdefault("API_THROTTLE_USER", "1000000/minute")
    return env


def setup_django() -> dict[str, str]:
    """Django set up once per process, on PostgreSQL, migrated; the environment for subprocesses."""
    env = bench_env()
    import django
    from django.apps import apps

    if not apps.ready:
        os.environ.update(env)
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("benchmarks: the database is not PostgreSQL; refusing.")
    return env


def allowed_host() -> str:
    """A host name the settings accept (the test client's 'testserver' is not in `.env.example`)."""
    from django.conf import settings

    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            return host
    return "127.0.0.1"


class QueryCounter:
    """Counts every SQL statement of this process's connection (CaptureQueriesContext stops at 9,000)."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def __enter__(self) -> QueryCounter:
        from django.db import connection

        self._cm = connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)

    def __len__(self) -> int:
        return self.count


def best_of(call: Callable[[], Any], runs: int = 5) -> tuple[float, int, Any]:
    """The best wall time of `runs` calls (after one warm-up call), its statements, the last result."""
    call()
    best, statements, result = float("inf"), 0, None
    for _ in range(runs):
        with QueryCounter() as counter:
            started = time.perf_counter()
            result = call()
            elapsed = time.perf_counter() - started
        if elapsed < best:
            best, statements = elapsed, len(counter)
    return best, statements, result


def explain(sql: str, params: Sequence[Any] = ()) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


SMALL_TABLE = 10_000


def _rows(table: str) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        row = cursor.fetchone()
    return row[0] if row else 0


def plan_check(label: str, sql: str, params: Sequence[Any], *, table: str | Sequence[str],
               wanted: Iterable[str] = ()) -> Row:
    """Print the plan; pass when no `table` (one name or several) is read sequentially and every
    wanted index is used."""
    tables = [table] if isinstance(table, str) else list(table)
    plan = explain(sql, params)
    print(f"    EXPLAIN {label}:")
    for line in plan.splitlines():
        print(f"      {line}")
    missing = [name for name in wanted if name not in plan]
    # Reading a small table whole is right.
    seq = [name for name in tables if f"Seq Scan on {name}" in plan and _rows(name) > SMALL_TABLE]
    problems = [f"sequential scan of {name}" for name in seq] + [f"{name} unused" for name in missing]
    figure = "; ".join(problems) if problems else "index " + ", ".join(sorted(set(wanted))) if wanted else "no seq scan"
    return Row(f"plan: {label}", figure,
               f"no Seq Scan on {', '.join(tables)} (>{SMALL_TABLE:,} rows)" + (", uses the index" if wanted else ""),
               not problems)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({cpu}), load average {load}"


def load() -> str:
    """The machine's 1-minute load average now (as `uptime` shows it): beside every figure."""
    return f"{os.getloadavg()[0]:.1f}"


def table(rows: Sequence[Row], loads: Sequence[str] | None = None) -> str:
    """The Markdown table of the rows; with `loads`, a column of the load average each was measured at."""
    lines = ["| what | figure | target | result |" + (" load |" if loads else ""),
             "|---|---|---|---|" + ("---|" if loads else "")]
    for n, (what, figure, target, passed) in enumerate(rows):
        result = "—" if passed is None else ("pass" if passed else "FAIL")
        lines.append(f"| {what} | {figure} | {target} | {result} |" + (f" {loads[n]} |" if loads else ""))
    return "\n".join(lines)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def insert_parties(cursor: Any, *, names: str, phone_prefix: str, address: str, count: int) -> None:
    """`count` persons `<names>1…`, phones `<phone_prefix>00000001…`, written as the application
    stores them: the phone encrypted, with its blind index (governance/crypto.py)."""
    from psycopg2.extras import execute_values

    from governance.crypto import pii_digest, pii_encrypt

    rows = []
    for n in range(1, count + 1):
        phone = f"{phone_prefix}{n:08d}"
        rows.append(("person", f"{names}{n}", "", "", "", pii_encrypt(phone), pii_digest(phone), address))
    execute_values(cursor.cursor,
                   "INSERT INTO intake_party (kind, name, id_number, id_number_digest, credit_code, phone, "
                   "phone_digest, address, created_at) VALUES %s", rows,
                   template="(%s, %s, %s, %s, %s, %s, %s, %s, now())", page_size=5000)


# --- complaint texts of real shape (issue 25: "the benchmark must not flatter") ------------------
# Real complaints run from a line to a page: their lengths are drawn from a lognormal distribution
# (median 150 characters, a tail clipped at 2,000), their words from varied sentences of the kinds a
# district's windows hear, with places, people, sums and times filled in, so the character-pair and
# trigram indexes see the variety of real text, not one sentence repeated.
DESCRIPTION_MEDIAN, DESCRIPTION_SIGMA, DESCRIPTION_MIN, DESCRIPTION_MAX = 150, 0.75, 30, 2000

_SLOTS = {
    "who": ["来电人", "来访人", "反映人", "申请人", "王女士", "陈女士", "李先生", "黄阿姨", "庄大爷", "林先生"],
    "town": ["洛阳镇", "东园镇", "张坂镇", "百崎回族乡"],
    "village": ["上浦村", "西滨村", "锦里村", "埕边村", "惠南村", "浮山村", "玉埕村", "杏秀村", "下垵村", "塔山村",
                "秀涂村", "里春村", "莲埭村", "白奇村", "后海村", "前亭村"],
    "estate": ["世茂云城", "滨海新城三期", "锦绣江南花园", "后渚安置小区", "杏秀里小区", "海湾华庭", "聚龙外滩",
               "东园商住小区", "洛秀家园", "百崎湖畔"],
    "company": ["某建筑劳务公司", "某装饰工程公司", "某电子厂", "某鞋服公司", "某石材厂", "某物流公司",
                "某混凝土搅拌站", "某钢构厂", "某食品加工厂", "某塑料制品厂"],
    "shop": ["烧烤店", "KTV", "酒吧", "广场舞队", "夜宵排档", "汽修店", "麻将馆", "五金加工作坊"],
    "road": ["滨海大道", "秀涂路", "洛秀路", "海江线", "杏秀路", "东园大道", "百崎湖路", "张坂街", "埭港路", "玉田路"],
    "count": ["三", "五", "七", "十二", "十五", "二十余", "三十多", "四十", "六十余"],
    "months": ["两个月", "三个月", "四个月", "五个月", "半年", "八个月", "十个月", "一年多"],
    "days": ["三天", "一个星期", "十来天", "半个多月", "二十多天"],
    "time": ["每晚十点以后", "凌晨一点到三点", "每天清晨五点多", "周末全天", "中午午休时间", "深夜十二点前后"],
    "relative": ["丈夫", "妻子", "儿子", "女儿", "母亲", "父亲", "哥哥", "弟弟", "儿媳"],
    "office": ["村委会", "社区居委会", "镇综治中心", "12345热线", "派出所", "劳动监察大队", "城管中队", "住建局"],
    "times": ["两次", "三次", "多次", "不下五次"],
    "dept": ["人社", "住建", "自然资源", "生态环境", "市场监管", "交通运输", "卫健", "城管"],
    "hospital": ["区医院", "市第一医院", "镇卫生院", "某民营医院"],
}
_SUMS = [f"{x}万元" for x in ("1.2", "2.6", "3.8", "4.6", "7.5", "12", "18.4", "26", "43")]
_SLOTS["sum"] = _SUMS + ["八千多元", "两千余元", "五千元左右"]

# topic: (titles, sentences); the first sentence opens, the rest are drawn in turn.
_TOPICS: dict[str, tuple[list[str], list[str]]] = {
    "wages": (["{company}拖欠{count}名工人工资", "{village}工地拖欠农民工工资", "讨要{months}工资无果请求协调",
               "{town}{company}欠薪纠纷"], [
        "{who}反映其在{town}{village}的{company}工地做工，{company}已拖欠{count}名工人{months}工资，共计约{sum}。",
        "工人们多次找包工头协商，对方以工程款还没结算为由一再推脱。", "包工头目前已经联系不上，电话一直关机。",
        "工人大多是外省来的务工人员，家里老人孩子等着钱用，生活已经非常困难。",
        "当初没有签订书面劳动合同，只有微信聊天记录和考勤表可以证明。",
        "临近年底，工人们情绪比较激动，有人扬言要到区政府门口聚集讨薪。",
        "请求劳动监察部门尽快协调{company}和总承包方支付拖欠的工资。"]),
    "noise": (["{estate}夜间施工噪音扰民", "{road}夜市噪音扰民", "楼下{shop}噪音扰民", "{village}{shop}深夜噪音"], [
        "{who}反映{estate}附近的工地{time}仍在施工，噪音很大，严重影响周边居民休息。",
        "楼下新开的{shop}音响开得很大，{time}还在营业，噪音吵得人睡不着。",
        "家中有老人和正在备考的学生，长期睡不好觉，身体已经出现不适。",
        "曾拨打110和12345反映，执法人员来过以后停了两天，又恢复原样。",
        "希望城管或者环保部门晚上到现场测量噪音，依法处理。"]),
    "property": (["{estate}物业收费争议", "物业费上涨未经业主大会同意", "{estate}电梯频繁故障物业不作为"], [
        "{who}反映{estate}物业公司今年起把物业费从每平方米一元五上调到两元三，没有召开业主大会。",
        "小区电梯经常故障，{months}内已经发生多次困人事件，物业维修很不及时。",
        "地下车库积水、路灯损坏、绿化没人打理，服务质量和收费不相符。",
        "物业以业主未缴物业费为由停用了门禁卡，业主进出很不方便。",
        "部分业主准备集体拒缴物业费，双方矛盾有激化的可能。",
        "请求住建部门和社区督促物业公司公开收支账目。"]),
    "neighbours": (["邻里宅基地纠纷", "{village}宅基地界址纠纷", "邻居建房占用通道", "{village}邻里排水纠纷"], [
        "{who}与邻居因宅基地界址发生争执，对方建房时越界一米多，占用了{who}家的出入通道。",
        "双方为此多次争吵，上周还发生了推搡，{who}的{relative}手臂受了伤。",
        "{office}调解过{times}，但邻居不认可当年签的分界协议。",
        "邻居家的空调外机正对{who}家窗户，排水直接滴在院子里。", "请求镇村两级再次组织调解，依法确定界址。"]),
    "land": (["土地征收补偿款发放争议", "{village}征地补偿标准不一", "承包地被占用未获补偿"], [
        "{who}反映{village}前几年因修建{road}征收了部分耕地，其家庭承包的两亩多地至今没有领到补偿款。",
        "同一批被征地村民的补偿标准前后不一致，村民对此意见很大。",
        "村委会称款项已经拨付到村，但一直没有公示分配方案。", "青苗补偿和地上附着物补偿也没有按照协议兑现。",
        "请求有关部门核实征地补偿款的去向，并公开分配明细。"]),
    "traffic": (["{road}路口红绿灯故障", "{road}大货车超速超载", "学校门口接送车辆拥堵", "{road}路面坑洼积水"], [
        "{who}反映{road}与{road}交叉路口的红绿灯已经坏了{days}，早晚高峰车辆乱成一团。",
        "附近{company}的大货车经常超载，沿路撒落砂石，路面坑洼不平。",
        "小学门口上下学时段车辆乱停乱放，孩子过马路很危险。",
        "前几天晚上还发生了一起电动车与小轿车相撞的事故。", "希望交警部门增设减速带和监控，加强高峰时段疏导。"]),
    "environment": (["{company}排放刺鼻废气", "{village}河道被倾倒垃圾", "养殖场污水直排农田"], [
        "{who}反映{village}附近的{company}{time}偷排废气，气味刺鼻，周边居民不敢开窗。",
        "{village}的小河沟近来被人倾倒建筑垃圾和生活垃圾，河水发黑发臭。",
        "山边的养猪场污水没有处理就直接排进农田，影响了下游几户村民的水稻。",
        "夏天蚊蝇滋生，村里已经有孩子出现皮肤过敏。", "请求生态环境部门到现场取样检测，责令企业整改。"]),
    "consumer": (["健身房闭店预付卡无法退费", "网购家电质量问题商家拒绝退款", "装修公司收款后停工"], [
        "{who}反映其在{town}一家健身房办了{sum}的预付卡，近日门店突然关门，老板联系不上。",
        "同样办卡的会员有{count}人左右，大家已经建了维权群。",
        "商家承诺七天无理由退货，但收到投诉后一直拖着不处理。",
        "装修公司收了百分之七十的款项后就停工了，房子至今无法入住。", "请求市场监管部门介入，督促商家退还剩余费用。"]),
    "family": (["婚姻家庭矛盾请求调解", "{village}赡养老人纠纷", "遗产分割矛盾请求调处"], [
        "{who}反映其{relative}长期酗酒，酒后经常打骂家人，家庭矛盾十分尖锐。",
        "几个子女对老人的赡养费用分担意见不一，老人目前独居，没人照料。",
        "父亲去世后留下的房产怎么分割，兄弟姐妹之间争执不下。", "请求妇联和村调委会介入调解，必要时提供法律援助。"]),
    "medical": (["医疗费用争议", "{hospital}住院费用明细不清", "术后并发症医疗纠纷"], [
        "{who}反映其{relative}在{hospital}住院{days}，出院结算时发现多项费用和实际治疗不符。",
        "医院对手术后出现的并发症解释不清，家属怀疑存在医疗过错。", "请求卫健部门调取病历，组织医疗纠纷调解。"]),
    "housing": (["{estate}安置房漏水多年未修", "新房交付后墙体开裂", "{estate}开发商承诺未兑现"], [
        "{estate}的安置房交付不到三年，外墙渗水，{who}家卧室墙面大面积发霉。",
        "开发商当初答应的学位、车位和绿化至今没有兑现。", "请求住建部门督促开发商履行保修义务。"]),
    "utilities": (["{village}停水多日", "{estate}门口路灯损坏", "道路积水求助"], [
        "{village}近{days}经常停水，自来水浑浊发黄，村民只能去附近买桶装水。",
        "{road}一下雨就积水，最深处没过膝盖，电动车经常熄火。",
        "{estate}门口的路灯坏了{months}，晚上一片漆黑，老人出门容易摔倒。"]),
}
# A title as the window writes it: the matter, sometimes where, sometimes what is asked.
_TITLE_SHAPES = ["{}", "{}", "{{town}}{{village}}{}", "{}的问题", "{}，请求协调处理", "关于{}的投诉", "{}（再次反映）",
                 "{{village}}群众反映{}", "{}，请求有关部门尽快处理"]
# Any topic: what was tried before, what is asked, what was brought.
_GENERAL = [
    "此前已向{office}反映过{times}，至今没有明确答复。", "{who}情绪较为激动，表示问题得不到解决将继续反映。",
    "{who}提供了现场照片和相关票据的复印件。", "据了解，周边还有多户群众遇到类似情况。",
    "{who}希望有关部门尽快给出处理意见，并电话回复。", "联系电话已登记，{who}要求对个人信息保密。",
    "经初步了解，该问题涉及{dept}等多个部门，需要协调处理。", "{who}表示愿意配合调查，随时可以到中心说明情况。",
    "问题已经持续{months}，{who}说自己也多次到现场查看过。", "{who}称如果需要，可以找到{count}名知情人作证。",
    "{who}的{relative}在{town}上班，白天家里没人，希望晚上回访。", "{who}说上次到{office}时工作人员让其等通知。",
    "{who}不懂法律程序，想了解可以通过什么渠道解决。", "{who}担心事情拖下去会影响家里的正常生活。",
    "{who}要求将处理结果书面告知本人。", "现场情况{who}已经拍了视频，可以随时提供给经办人员。",
]


def _fill(rng: random.Random, template: str, who: str) -> str:
    return template.format_map({**{name: rng.choice(values) for name, values in _SLOTS.items()}, "who": who})


def description_lengths(count: int, *, seed: int = 25) -> list[int]:
    """`count` description lengths: lognormal (median 150 characters), clipped to 30-2,000."""
    rng = random.Random(seed)
    return [min(DESCRIPTION_MAX, max(DESCRIPTION_MIN, round(rng.lognormvariate(math.log(DESCRIPTION_MEDIAN),
                                                                                DESCRIPTION_SIGMA))))
            for _ in range(count)]


def complaint_text(rng: random.Random, length: int) -> tuple[str, str]:
    """A title (10-30 characters) and a description of about `length` characters (it ends at a full
    stop) on one topic, told by one person."""
    titles, sentences = _TOPICS[rng.choice(sorted(_TOPICS))]
    who = rng.choice(_SLOTS["who"])
    title = _fill(rng, rng.choice(_TITLE_SHAPES).format(rng.choice(titles)), who)
    title = (title if len(title) >= 10 else _fill(rng, "{town}{village}", who) + title)[:30]
    parts = [_fill(rng, sentences[0], who)]
    pool = sentences[1:] + _GENERAL
    while sum(map(len, parts)) < length:
        rng.shuffle(pool)
        parts += [_fill(rng, template, who) for template in pool]
    return title, "".join(parts)[:length - 1].rstrip("，、；。") + "。"


def complaint_texts(count: int, *, seed: int = 25) -> list[tuple[str, str]]:
    """`count` (title, description) pairs, the same for the same seed."""
    rng = random.Random(seed)
    return [complaint_text(rng, length) for length in description_lengths(count, seed=seed)]


def length_summary(lengths: Sequence[int], what: str = "descriptions") -> str:
    """The drawn lengths in a line: how many, median, p90, max."""
    ordered = sorted(lengths)
    return (f"{len(ordered):,} {what}: median {ordered[len(ordered) // 2]}, "
            f"p90 {ordered[int(len(ordered) * 0.9)]}, max {ordered[-1]} characters")


_BENCHMARK_TEXTS: list[tuple[str, str]] = []


def benchmark_texts(count: int = 4000) -> list[tuple[str, str]]:
    """The texts registrations and their floor send, drawn once per process (seed 25); their
    lengths printed the first time."""
    if not _BENCHMARK_TEXTS:
        _BENCHMARK_TEXTS.extend(complaint_texts(count))
        titles = sorted(len(title) for title, _ in _BENCHMARK_TEXTS)
        print(f"    texts: {length_summary([len(text) for _, text in _BENCHMARK_TEXTS])}; "
              f"titles {titles[0]}-{titles[-1]} characters")
    return _BENCHMARK_TEXTS
