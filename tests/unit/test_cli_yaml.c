/* cli/cmd/yaml.c: JSON printed as YAML exactly as podman's ghodss/yaml (go-yaml v2) prints
 * it.  The expected texts were produced by go-yaml v2.4.0 itself (podman 4.3.1's vendored
 * copy) from the same JSON. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/commands.h"
#include "tap.h"

static const struct {
	const char *name;
	const char *json;
	const char *yaml;
} cases[] = {
	{ "nested maps, indentless sequences, empty collections, scalars",
	  "{\"host\": {\"arch\": \"amd64\", \"cgroupControllers\": [\"cpu\", \"memory\"],"
	  " \"idMappings\": {\"gidmap\": null, \"uidmap\": null}, \"ociRuntime\": {\"name"
	  "\": \"crun\", \"version\": \"crun version 1.9\\ncommit: a538ac4\\nspec: 1.0.0"
	  "\\n+SYSTEMD +SELINUX\"}, \"security\": {\"rootless\": false, \"seccompEnabled"
	  "\": true}, \"memFree\": 1697759232, \"cpuUtilization\": {\"idlePercent\": 89.1"
	  "3}, \"distribution\": {\"version\": \"39\"}, \"conmon\": {\"version\": \"conmo"
	  "n version 2.1.7, commit: \"}}, \"plugins\": {\"authorization\": null, \"log\":"
	  " [\"k8s-file\", \"none\"], \"volume\": [\"local\"]}, \"registries\": {\"search"
	  "\": [\"docker.io\", \"quay.io\"]}, \"store\": {\"graphOptions\": {}, \"imageSt"
	  "ore\": {\"number\": 0}, \"list\": []}}",
	  "host:\n"
	  "  arch: amd64\n"
	  "  cgroupControllers:\n"
	  "  - cpu\n"
	  "  - memory\n"
	  "  conmon:\n"
	  "    version: 'conmon version 2.1.7, commit: '\n"
	  "  cpuUtilization:\n"
	  "    idlePercent: 89.13\n"
	  "  distribution:\n"
	  "    version: \"39\"\n"
	  "  idMappings:\n"
	  "    gidmap: null\n"
	  "    uidmap: null\n"
	  "  memFree: 1697759232\n"
	  "  ociRuntime:\n"
	  "    name: crun\n"
	  "    version: |-\n"
	  "      crun version 1.9\n"
	  "      commit: a538ac4\n"
	  "      spec: 1.0.0\n"
	  "      +SYSTEMD +SELINUX\n"
	  "  security:\n"
	  "    rootless: false\n"
	  "    seccompEnabled: true\n"
	  "plugins:\n"
	  "  authorization: null\n"
	  "  log:\n"
	  "  - k8s-file\n"
	  "  - none\n"
	  "  volume:\n"
	  "  - local\n"
	  "registries:\n"
	  "  search:\n"
	  "  - docker.io\n"
	  "  - quay.io\n"
	  "store:\n"
	  "  graphOptions: {}\n"
	  "  imageStore:\n"
	  "    number: 0\n"
	  "  list: []\n" },
	{ "sequences of mappings and of sequences",
	  "{\"a\": [{\"x\": 1, \"y\": [1, 2]}, [3, [4]], [], {}], \"b\": [[]]}",
	  "a:\n"
	  "- x: 1\n"
	  "  \"y\":\n"
	  "  - 1\n"
	  "  - 2\n"
	  "- - 3\n"
	  "  - - 4\n"
	  "- []\n"
	  "- {}\n"
	  "b:\n"
	  "- []\n" },
	{ "string styles",
	  "{\"s00\": \"\", \"s01\": \" \", \"s02\": \"39\", \"s03\": \"yes\", \"s04\": \""
	  "No\", \"s05\": \"true\", \"s06\": \"null\", \"s07\": \"~\", \"s08\": \"0x1F\","
	  " \"s09\": \"08\", \"s10\": \"1e5\", \"s11\": \"1.5\", \"s12\": \".5\", \"s13\""
	  ": \"-\", \"s14\": \"- a\", \"s15\": \"-a\", \"s16\": \":\", \"s17\": \"a:b\", "
	  "\"s18\": \"a: b\", \"s19\": \"a #b\", \"s20\": \"#x\", \"s21\": \"a#b\", \"s22"
	  "\": \"[x]\", \"s23\": \"x]\", \"s24\": \"@x\", \"s25\": \"'q'\", \"s26\": \"it"
	  "'s\", \"s27\": \"trail \", \"s28\": \" lead\", \"s29\": \"tab\\there\", \"s30"
	  "\": \"cr\\rx\", \"s31\": \"2024-01-02\", \"s32\": \"2024-1-2T10:20:30Z\", \"s3"
	  "3\": \"2024-13-40\", \"s34\": \"12:30\", \"s35\": \"1_000\", \"s36\": \"<<\", "
	  "\"s37\": \"---\", \"s38\": \"...x\", \"s39\": \"\303\251\", \"s40\": \"\\u0001"
	  "\", \"s41\": \"a  b\", \"s42\": \"x\\\\y\", \"s43\": \"\357\273\277bom\"}",
	  "s00: \"\"\n"
	  "s01: ' '\n"
	  "s02: \"39\"\n"
	  "s03: \"yes\"\n"
	  "s04: \"No\"\n"
	  "s05: \"true\"\n"
	  "s06: \"null\"\n"
	  "s07: \"~\"\n"
	  "s08: \"0x1F\"\n"
	  "s09: \"08\"\n"
	  "s10: \"1e5\"\n"
	  "s11: \"1.5\"\n"
	  "s12: \".5\"\n"
	  "s13: '-'\n"
	  "s14: '- a'\n"
	  "s15: -a\n"
	  "s16: ':'\n"
	  "s17: a:b\n"
	  "s18: 'a: b'\n"
	  "s19: 'a #b'\n"
	  "s20: '#x'\n"
	  "s21: a#b\n"
	  "s22: '[x]'\n"
	  "s23: x]\n"
	  "s24: '@x'\n"
	  "s25: '''q'''\n"
	  "s26: it's\n"
	  "s27: 'trail '\n"
	  "s28: ' lead'\n"
	  "s29: \"tab\\there\"\n"
	  "s30: \"cr\\rx\"\n"
	  "s31: \"2024-01-02\"\n"
	  "s32: \"2024-1-2T10:20:30Z\"\n"
	  "s33: 2024-13-40\n"
	  "s34: \"12:30\"\n"
	  "s35: \"1_000\"\n"
	  "s36: <<\n"
	  "s37: '---'\n"
	  "s38: '...x'\n"
	  "s39: \303\251\n"
	  "s40: \"\\x01\"\n"
	  "s41: a  b\n"
	  "s42: x\\y\n"
	  "s43: \"\\uFEFF\\x62\\x6F\\x6D\"\n" },
	{ "literal blocks",
	  "{\"a\": \"line1\\nline2\", \"b\": \"line1\\nline2\\n\", \"c\": \"l\\n\\n\", \""
	  "d\": \"\\nlead\", \"e\": \" x\\ny\", \"f\": [\"p\\nq\"], \"g\": \"tr \\nx\"}",
	  "a: |-\n"
	  "  line1\n"
	  "  line2\n"
	  "b: |\n"
	  "  line1\n"
	  "  line2\n"
	  "c: |+\n"
	  "  l\n"
	  "\n"
	  "d: |2-\n"
	  "\n"
	  "  lead\n"
	  "e: |2-\n"
	  "   x\n"
	  "  y\n"
	  "f:\n"
	  "- |-\n"
	  "  p\n"
	  "  q\n"
	  "g: \"tr \\nx\"\n" },
	{ "long strings fold at spaces past column 80",
	  "{\"plain\": \"word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word"
	  "10 word11 word12 word13 word14 word15 word16 word17 word18 word19 word20 word2"
	  "1 word22 word23 word24 word25 word26 word27 word28 word29\", \"single\": \"tra"
	  "iling w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w2"
	  "0 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 w39 "
	  "\", \"double\": \"12:30 w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 "
	  "w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32 w33 w34 w3"
	  "5 w36 w37 w38 w39  x\", \"nested\": {\"deeper\": [\"item0 item1 item2 item3 it"
	  "em4 item5 item6 item7 item8 item9 item10 item11 item12 item13 item14 item15 it"
	  "em16 item17 item18 item19 item20 item21 item22 item23 item24\"]}, \"nospace\":"
	  " \"CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_C"
	  "HOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP"
	  "_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,\"}",
	  "double: 12:30 w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w1"
	  "8 w19\n"
	  "  w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 "
	  "w39  x\n"
	  "nested:\n"
	  "  deeper:\n"
	  "  - item0 item1 item2 item3 item4 item5 item6 item7 item8 item9 item10 item11 "
	  "item12\n"
	  "    item13 item14 item15 item16 item17 item18 item19 item20 item21 item22 item"
	  "23 item24\n"
	  "nospace: CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN"
	  ",CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHO"
	  "WN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,CAP_CHOWN,\n"
	  "plain: word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word"
	  "11 word12\n"
	  "  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23"
	  " word24\n"
	  "  word25 word26 word27 word28 word29\n"
	  "single: 'trailing w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w1"
	  "7 w18\n"
	  "  w19 w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 "
	  "w38\n"
	  "  w39 '\n" },
	{ "numbers",
	  "{\"f\": [0.5, 89.13, 1000000.0, 123456.0, 1e-05, 0.0001, 1.5e+300, -2.25, 100."
	  "5, 0.1, 12345678.9], \"i\": [0, -7, 9007199254740993], \"b\": [true, false], "
	  "\"n\": null}",
	  "b:\n"
	  "- true\n"
	  "- false\n"
	  "f:\n"
	  "- 0.5\n"
	  "- 89.13\n"
	  "- 1e+06\n"
	  "- 123456\n"
	  "- 1e-05\n"
	  "- 0.0001\n"
	  "- 1.5e+300\n"
	  "- -2.25\n"
	  "- 100.5\n"
	  "- 0.1\n"
	  "- 1.23456789e+07\n"
	  "i:\n"
	  "- 0\n"
	  "- -7\n"
	  "- 9007199254740993\n"
	  "\"n\": null\n" },
	{ "key order: digit runs compare as numbers, non-letters first",
	  "{\"a10\": 1, \"a9\": 2, \"B\": 3, \"b\": 4, \"_x\": 5, \"a\": 6, \"10\": 7, \""
	  "9\": 8, \"\303\251\": 9, \"Z\": 10}",
	  "_x: 5\n"
	  "\"9\": 8\n"
	  "\"10\": 7\n"
	  "B: 3\n"
	  "Z: 10\n"
	  "a: 6\n"
	  "a9: 2\n"
	  "a10: 1\n"
	  "b: 4\n"
	  "\303\251: 9\n" },
	{ "keys that are not simple",
	  "{\"x\\ny\": {\"k\": [1]}, \"ok\": 1, \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkk\": 2, \"\": 3, \"a: b\": 4}",
	  "\"\": 3\n"
	  "'a: b': 4\n"
	  "? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n"
	  ": 2\n"
	  "ok: 1\n"
	  "? |-\n"
	  "  x\n"
	  "  y\n"
	  ": k:\n"
	  "  - 1\n" },
};

static void check(const char *name, const char *json, const char *want)
{
	json_object *o = json_tokener_parse(json);
	buf out = BUF_INIT;

	if (!ok(o != NULL, "%s: test JSON parses", name))
		return;
	cli_yaml(&out, o);
	is_str(out.s, want, "%s", name);
	buf_release(&out);
	json_object_put(o);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(cases[i].name, cases[i].json, cases[i].yaml);
	/* Top-level shapes other than an object. */
	check("top-level empty object", "{}", "{}\n");
	check("top-level sequence", "[1, \"a b\", {\"k\": []}]", "- 1\n- a b\n- k: []\n");
	check("unicode separator in a single-quoted string", "{\"k\": \"u\342\200\250v\"}",
	      "k: 'u\342\200\250  v'\n");
	return done_testing();
}
