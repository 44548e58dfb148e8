#!/usr/bin/python3
"""Generate bad scenarios by mutating the example scenarios, one mistake per file.

Every key written in scenarios/*.toml is mutated in the ways a user gets it wrong: a value of
the wrong type, out of range, a percent for a fraction, nan and inf, numbers beyond 64 bits or
beyond the largest double, a misspelt or unknown key, an empty or negative name or weight,
deep nesting, bad distributions, and bad variant, sweep and sensitivity tables. Each mutation
is written to OUT/<name>.toml and listed in OUT/manifest.tsv as

    <file name> TAB <command> TAB <text the message must contain: the dotted key>

The mutations are textual, so every other line keeps its place and the reported line and
column can be checked. The example scenarios are copied to OUT too, for `extends`.

Usage: generate.py <source-dir> <out-dir>
"""

import json
import os
import re
import shutil
import sys

BARE = re.compile(r"^[A-Za-z0-9_-]+$")
# key = value   (# comment): one key, possibly dotted or quoted, and a one-line value.
ASSIGN = re.compile(r'^(\s*)((?:"[^"]*"|[A-Za-z0-9_.-]+)(?:\s*\.\s*(?:"[^"]*"|[A-Za-z0-9_-]+))*)(\s*=\s*)(.*?)(\s*(#.*)?)$')
HEADER = re.compile(r"^\s*\[(?!\[)(.*)\]\s*(#.*)?$")
NUMBER = re.compile(r"^[+-]?(\d[\d_]*)(\.\d+)?([eE][+-]?\d+)?$")
INLINE_NUMBER = re.compile(r"((?:\"[^\"]*\"|[A-Za-z0-9_-]+)\s*=\s*)([+-]?\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)")

# Keys whose value is a probability (percent mutations apply to these).
PROBABILITIES = {"advance", "drop", "nurtured_advance", "nurtured_drop", "churn", "gross_margin",
                 "max_churn_reduction", "success_probability"}
INTEGER_KEYS = {"horizon", "replications", "seed", "ltv_tenure_cap", "ltv_horizon", "window",
                "initial_tenure", "points", "steps", "samples"}
CHOICE_KEYS = {"period", "response", "order_model", "design", "metric", "entry_stage", "dist", "op",
               "returning_churn"}
# String keys where any string is fine: only a wrong type is a mistake.
FREE_STRINGS = {"name", "description", "currency", "extends"}


def split_key(text):
    """Components of a TOML key as written: a.b."c.d" -> [a, b, c.d]."""
    parts, cur, quoted, i = [], "", False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    parts.append(cur.strip())
    return [p.strip().strip('"') if p.strip().startswith('"') else p.strip() for p in parts]


def show_key(parts):
    """A dotted key path as clvsim prints it: bare components, the others quoted."""
    return ".".join(p if BARE.match(p) else json.dumps(p) for p in parts)


class Generator:
    def __init__(self, out):
        self.out = out
        self.cases = []
        self.seen = set()
        self.kinds = set()

    def add(self, stem, tag, lines, key, command="run", kind=None):
        """One case; with `kind`, only the first case of that kind (the same mistake on the same
        key name in another scenario adds nothing but time)."""
        text = "\n".join(lines) + "\n"
        if text in self.seen or (kind is not None and kind in self.kinds):
            return
        self.seen.add(text)
        if kind is not None:
            self.kinds.add(kind)
        name = "%s__%03d_%s.toml" % (stem, len(self.cases), re.sub(r"[^A-Za-z0-9]+", "_", tag)[:40])
        with open(os.path.join(self.out, name), "w") as f:
            f.write(text)
        self.cases.append((name, command, key))

    def scenario(self, path):
        stem = os.path.splitext(os.path.basename(path))[0]
        with open(path) as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        command = "run"
        text = "\n".join(lines)
        header = []
        tables = []  # (line index, header parts)
        for i, line in enumerate(lines):
            h = HEADER.match(line)
            if h:
                header = split_key(h.group(1))
                tables.append((i, header))
                continue
            m = ASSIGN.match(line)
            if not m or line.lstrip().startswith("#"):
                continue
            indent, key_text, eq, value, comment = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)
            if value.startswith("[") and not value.rstrip().endswith("]"):
                continue  # a multi-line array
            if value.startswith("{") and not value.rstrip().endswith("}"):
                continue
            parts = header + split_key(key_text)
            key = show_key(parts)
            # [sweep] and [sensitivity] ranges are checked in full by the command that uses them.
            command = "sweep" if parts[0] == "sweep" else "sensitivity" if parts[0] == "sensitivity" else "run"
            last = parts[-1]

            def put(new_value, tag, expect=key, cmd=command, new_key=None):
                kt = key_text if new_key is None else new_key
                mutated = lines[:i] + [indent + kt + eq + new_value + (comment or "")] + lines[i + 1:]
                # Keys of tables of key paths (variants, sweeps) count by their table's role.
                role = [p for p in parts if p in ("set", "scale", "add", "parameters", "ranges")]
                self.add(stem, "%s_%s_%s" % (last, tag, i + 1), mutated, expect, cmd,
                         kind=(tuple(role), parts[0], last, tag))

            self.value_mutations(put, parts, key, last, value)
            # A misspelt key: one letter dropped, and the same key with a typo'd letter.
            if BARE.match(key_text) and len(key_text) > 3 and last != "extends":
                typo = key_text[:-2] + key_text[-1]
                put(value, "misspelt", show_key(header + [typo]), new_key=typo)
            # An unknown key beside it (not inside [variants.*.set]-like tables of key paths).
            if not any(p in ("set", "scale", "add", "parameters", "ranges") for p in header) and header:
                mutated = lines[:i + 1] + [indent + "bogus_key = 1"] + lines[i + 1:]
                self.add(stem, "unknown_after_%s_%d" % (last, i + 1), mutated, show_key(header + ["bogus_key"]),
                         kind=("unknown_after", header[0], last))
        # Whole-table mutations.
        for i, parts in tables:
            if not parts:
                continue
            if parts[0] in ("segments", "channels") and len(parts) == 2:
                # A name that cannot be part of a key path.
                bad = lines[:i] + ['[%s."bad name"]' % parts[0]] + lines[i + 1:]
                self.add(stem, "bad_name_%s_%d" % (parts[1], i + 1), bad, '%s."bad name"' % parts[0],
                         kind=("bad_name", parts[0]))
            if parts[0] == "variants" and len(parts) == 2:
                for tag, entry, expect in [
                    ("empty_path", 'set = { "" = 1 }', 'variants.%s.set.""' % parts[1]),
                    ("unknown_path", 'scale = { "segments.nosuch.churn" = 0.9 }', "segments.nosuch.churn"),
                    ("typo_path", 'scale = { "segments.*.chrun_multiplier" = 0.9 }', "segments.*.chrun_multiplier"),
                    ("string_scale", 'scale = { "segments.*.churn_multiplier" = "0.9" }',
                     'variants.%s.scale."segments.*.churn_multiplier"' % parts[1]),
                    ("nested_keys", 'scale = { segments.basic.churn = 0.9 }', "variants.%s.scale.segments" % parts[1]),
                    ("nan_add", 'add = { "retention.spend_per_customer" = nan }',
                     'variants.%s.add."retention.spend_per_customer"' % parts[1]),
                    ("scale_one", 'scale = { "channels.*.spend" = 1.0 }', 'variants.%s.scale.channels.*.spend' % parts[1]),
                    ("set_out_of_range", 'set = { "funnel.*.advance" = 1.5 }', "advance"),
                    ("bad_dist", 'set = { "channels.*.spend" = { dist = "gaussian", mean = 1, sd = 1 } }', "dist"),
                ]:
                    # Replace the variant's body by one entry: drop its set/scale/add lines.
                    body_end = next((j for j, _ in tables if j > i), len(lines))
                    kept = [l for l in lines[i + 1:body_end]
                            if not re.match(r"^\s*(set|scale|add)\s*=", l)]
                    mutated = lines[:i + 1] + [entry] + kept + lines[body_end:]
                    self.add(stem, "variant_%s_%s" % (tag, parts[1]), mutated, expect, kind=("variant", stem, tag))
        self.whole_file_mutations(stem, lines, text)

    def value_mutations(self, put, parts, key, last, value):
        v = value.strip()
        is_number = bool(NUMBER.match(v))
        in_sweep_values = "sweep" in parts and last == "values"
        if last in FREE_STRINGS:
            put("42", "int_for_string")
            if last == "name" and parts[0] == "scenario":
                put('""', "empty_name")
            if last == "extends":
                put('"no_such_base.toml"', "missing_base", "extends")
                put('""', "empty_extends", "extends")
            return
        if last in CHOICE_KEYS and v.startswith('"'):
            word = v.strip('"')
            put('"%s"' % (word[:-1] + "x" if len(word) > 1 else "xx"), "unknown_choice")
            put("1", "number_for_choice")
            put('"%s"' % word.upper(), "upper_choice")
            return
        if last == "sobol":
            put('"yes"', "string_for_bool")
            return
        if last == "stages" and v.startswith("["):
            put('"lead"', "string_for_array")
            put("[]", "empty_array")
            put('["lead", "lead"]', "repeated_stage", "funnel.stages[1]")
            put('["lead", ""]', "empty_stage", "funnel.stages[1]")
            return
        if last == "parameters" and "sensitivity" in parts and v.startswith("["):
            put('[""]', "empty_pattern", "sensitivity.parameters[0]")
            put('"segments.*.churn"', "string_for_array")
            put("[1]", "number_for_pattern", "sensitivity.parameters[0]")
            return
        if in_sweep_values and v.startswith("["):
            put("[]", "empty_values")
            put("[0.5, nan]", "nan_value", key + "[1]")
            put('["a"]', "string_value", key + "[0]")
            return
        if last in INTEGER_KEYS and is_number:
            put(v + ".5", "float_for_int")
            put("-3", "negative_int")
            put("99999999999999999999", "beyond_64_bits")
            put('"%s"' % v, "string_for_int")
            if last not in ("seed",):
                put("0" if last not in ("ltv_horizon", "initial_tenure") else "-1", "zero_int")
            return
        if is_number:
            put('"%s"' % v, "string_for_number")
            put("true", "bool_for_number")
            if last != "initial_customers":  # an array of counts by tenure is valid there
                put("[%s]" % v if last not in ("spend",) else "[1, 2]", "array_for_number")
            put("nan", "nan")
            put("inf", "inf")
            put("-inf", "minus_inf")
            put("1e309", "beyond_double")
            put("-1", "negative")
            put("1970-01-01", "date_for_number")
            put("{ mean = 1, sd = 1 }", "dist_without_kind")
            put('{ dist = "normal", mean = %s, sd = -1 }' % v, "negative_sd")
            put('{ dist = "uniform", min = 2, max = 1 }', "uniform_reversed")
            put('{ dist = "gaussian", mean = 1, sd = 1 }', "unknown_dist")
            put('{ dist = "beta", alpha = 0, beta = 1 }', "beta_zero")
            put('{ dist = "normal", mean = 1, sdd = 1 }', "misspelt_sd")
            put("[" * 300 + "]" * 300, "deep_nesting")
            x = float(v.replace("_", ""))
            if last in PROBABILITIES:
                put("1.5", "probability_above_1")
                if 0 < x < 1 and round(x * 100, 6) >= 2:
                    pct = ("%g" % (x * 100))
                    put(pct, "percent")
            if last == "annual_discount_rate":
                put("12", "percent_rate")
            if last in ("initial_customers", "max_leads") and "segment_mix" not in parts:
                put("9.3e18", "beyond_2_53")
            if last == "cost_per_lead":
                put("1e-300", "tiny_cost_per_lead")
                put("0", "zero_cost")
            if last == "orders_per_period":
                put("1e300", "huge_orders")
            if last == "order_value_cv":
                put("1e300", "huge_cv")
            return
        if v.startswith("{") and v.endswith("}"):
            inner = list(INLINE_NUMBER.finditer(v))
            if "dist" in v:
                put(v.replace("dist =", "distt =", 1), "misspelt_dist_key", key + ".distt")
                put(re.sub(r'dist\s*=\s*"[a-z]+"', 'dist = "gamma"', v, count=1), "unsupported_dist", key + ".dist")
                put(v[:-1].rstrip().rstrip(",") + ", extra = 1 }", "extra_dist_key", key + ".extra")
            for m in inner[:3]:
                ik = split_key(m.group(1).rstrip(" =").strip())
                if "dist" in v and ik[-1] not in ("sd", "alpha", "beta", "min", "max", "mode", "mean"):
                    continue
                # A distribution's parameters, and the level of a seasonal form or a value per
                # year ({ value = ... }), are reported with the parameter's key; an override's
                # value with its key path (the pattern).
                ikey = key if "dist" in v or ik[-1] == "value" else show_key([*key_parts(key), *ik])
                if last in ("set", "scale", "add"):
                    ikey = ik[-1]
                elif parts[0] in ("sweep", "sensitivity") and len(parts) >= 3:
                    ikey = parts[2]  # the key path swept or varied: the value lands on it
                base = v[:m.start(2)] + "%s" + v[m.end(2):]
                # Adding -0.8 may well be valid, and so may a budget's negative coefficient, a
                # falling curve by tenure (growth > -1, any slope) and a falling trend (> -1).
                if last not in ("add", "terms") and ik[-1] not in ("growth", "slope", "trend"):
                    put(base % "-0.8", "negative_inner_%s" % ik[-1], ikey)
                put(base % '"x"', "string_inner_%s" % ik[-1], ikey)
                put(base % "nan", "nan_inner_%s" % ik[-1], ikey)
            if last in ("segment_mix",):
                put("{}", "empty_mix", key)
                put("{ nosuch = 1 }", "unknown_segment_in_mix", key + ".nosuch")
            if last == "prospects":
                put("{ nosuch = 1 }", "unknown_stage_in_pipeline", key + ".nosuch")
            if last == "churn_sbg":
                put("{ alpha = 1 }", "sbg_without_beta", key)
            if "by_tenure" not in parts:  # a curve by tenure may be a table of factors
                put("[1, 2]", "array_for_table", key)


def key_parts(shown):
    return split_key(shown)


def whole_file_mutations(self, stem, lines, text):
    """Mistakes that are not one value: duplicated tables, both churn models, deep tables."""
    def add(tag, new_lines, key, command="run"):
        self.add(stem, tag, new_lines, key, command)

    if not any(l.startswith("extends") for l in lines):
        add("unknown_top_table", lines + ["[segmnts.x]", "churn = 0.1"], "segmnts")
        add("deep_tables", lines + ["[" + ".".join(["t"] * 300) + "]"], "t")
        seg = next((i for i, l in enumerate(lines) if l.startswith("[segments.")), None)
        if seg is not None:
            m = HEADER.match(lines[seg])
            name = split_key(m.group(1))
            body = lines[seg + 1]
            if "churn" in "\n".join(lines[seg + 1:seg + 4]) and "churn_sbg" not in text.split(lines[seg], 1)[1].split("[", 1)[0]:
                add("both_churn_models", lines[:seg + 1] + ["churn_sbg = { alpha = 1, beta = 2 }"] + lines[seg + 1:],
                    show_key(name))
        ch = next((i for i, l in enumerate(lines) if l.startswith("[channels.")), None)
        if ch is not None:
            m = HEADER.match(lines[ch])
            name = split_key(m.group(1))
            add("negative_weight", lines[:ch + 1] + ["segment_mix = { %s = -0.8 }" % "basic"] +
                [l for l in lines[ch + 1:] if not l.startswith("segment_mix")], show_key(name + ["segment_mix"]))
    if "[sensitivity" in text:
        add("sensitivity_bad_range", lines + ['[sensitivity.ranges."segments.*.churn_multiplier"]',
                                              "low = -1.0", "high = 0.5"],
            "segments.*.churn_multiplier", "sensitivity")
        add("sensitivity_reversed_range", lines + ['[sensitivity.ranges."retention.half_saturation"]',
                                                   "low = 3.0", "high = 1.0"],
            'sensitivity.ranges."retention.half_saturation".high')


Generator.whole_file_mutations = whole_file_mutations


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    scen = os.path.join(source, "scenarios")
    g = Generator(out)
    for name in sorted(os.listdir(scen)):
        if name.endswith(".toml"):
            shutil.copy(os.path.join(scen, name), os.path.join(out, name))
    for name in sorted(os.listdir(scen)):
        if name.endswith(".toml"):
            g.scenario(os.path.join(scen, name))
    with open(os.path.join(out, "manifest.tsv"), "w") as f:
        for name, command, key in g.cases:
            f.write("%s\t%s\t%s\n" % (name, command, key))
    print(len(g.cases))


if __name__ == "__main__":
    main()
