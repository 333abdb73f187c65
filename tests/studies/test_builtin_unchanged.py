"""The built-in studies write what they wrote before the study layer became plug-ins.

The checksums below are of the outputs written by ``hitex run STUDY`` with the
code of commit f0babf7 (before panel, source and table kinds moved into their own
modules): every table (``.txt`` and ``.md``), ``summary.md`` and ``sample.csv``.
``results.json`` is left out: pyfixest's demeaning makes its last one or two
digits of 16 differ between two runs of the same code; the tables print every
number it holds at the precision a reader sees. ``manifest.json`` holds times.

The summaries' list of figure files is left out (later features add figures; the
checksums of ``summary.md`` are of the files before, without those lines). One
line of the pilot-zones summary names the module of ``pilot_zone_cities``,
which moved from ``hitex.studies.policy_steps`` to ``hitex.data.pilot_zones``;
the test maps the new name back before hashing, so every other byte must match.
"""

from __future__ import annotations

import hashlib

import pytest

MOVED = {b"hitex.data.pilot_zones.pilot_zone_cities":
         b"hitex.studies.policy_steps.pilot_zone_cities"}

BEFORE: dict[str, dict[str, str]] = {
    "trade-facilitation": {
        "comparison_table3.md": "6217c345556d3d573c5bc8104e2f1f3454cbd4efa960f853267430e7306c295d",
        "comparison_table3.txt": "c3e1d838eaca8a8c3c0c67494f7b5a5b5a409637b3e0978dc48cf1a3b93e1902",
        "sample.csv": "c207cca42150f4232500ef0f3df32d25477544adbe664419cb03c3dd95042a8c",
        "summary.md": "ef7a0ce520c4be7020d60deed4a2773e484bc9f616a7fa40c329310538c1f4b4",
        "table2.md": "efaac6845c23cd1b5913b7800e17b10c5554bab218f31faea5f7bc9aa2f500eb",
        "table2.txt": "13229de8d3628b822151c9e8ba1cbc12db57393818d2e9dc54e963b12fe948ca",
        "table3.md": "5466a8d30a69c5e2a295796cb736756e3ff4e2a7cb71ddaf75467aa13b737e11",
        "table3.txt": "e7125edb46e3f005afdfeaa67a0f0384b5948743e4e17ccb22b05524dc6430ba",
        "table3_iid.md": "b2495687efa7ff3e0d7907d2d97b78998a8bc058244fa22b6d324c78610a4b4d",
        "table3_iid.txt": "e1b0d1ad1d43d18a1bf0937cdbc0e3c4d21afb7a1174fc3f906d5da8129ae584",
        "table4.md": "af68bf6795a459fd9cef09691dfc02790c79071aa5f949f72f96b87ea614389d",
        "table4.txt": "f919d4ee798f4b943bda9a6c729dde237be4b8081874bd03a73bb674e6a6960d",
        "table4_iid.md": "0caf0004dc07816fbc2e7e1d4b4708f2e412c7ef54550c5952c4b76fbbb2024e",
        "table4_iid.txt": "5f4b5321d134e9b52b929217f98b8cd114c3e99fe841cf76b514d0d74d08f163",
        "table5.md": "a173a979ad26ae542723d10fe0e53b336efb4d9dcb907b6f53b83bf7448bb7ea",
        "table5.txt": "8f6ecf13791a7b7966d4694fb8551b7ba7d369c4b3f746eb5bd19c6c481cf158",
        "table5_iid.md": "0a68c0fde65051cc656007a745ff645ebe653691497bffef8f1afe3e42fee6f4",
        "table5_iid.txt": "55c5595226ef96ba0bcc44a6c55021c1c9eea2114a7544006e59fdb112ff05ae",
        "tfi_coverage.md": "3062ec23bda3cb17f98075bff62207090b4670fe4c90dbac935b9ff98060f9d2",
        "tfi_coverage.txt": "1f6eae4ea2b3ba1afa5084255f2d9ce034f3483fde51b516e956e7e01ec53cdd"
    },
    "tbt-gravity": {
        "robustness_lag.md": "09473896647ffabe1e7e3906f4ae1178d05a06e64120119bec302f3bf9752eb2",
        "robustness_lag.txt": "9bd07b35aace29ba99b492cdceed8aeea0f8002fb4061dea672547480b42a98d",
        "sample.csv": "af503d6fee702ff9a26aeab0588c9265ef1dec7dc53a4d3694f683323f89ef56",
        "structural_ppml.md": "1916bc7a8dfc1b3e7614130d7cf8177301d29a39ba0a4921851142854e2d8a90",
        "structural_ppml.txt": "72431453bf3cd6f229542dcbc62a71309b792d289feaef3da50ca6d9e64c38e1",
        "summary.md": "e9a9fa635e9e5f4d19a4ae7424d55a008fd87d7c44a7a0ed9c3925374c421246",
        "table10.md": "68933180b5180bd73364c4d148e903a61feea5ff41b2b2a255e20b645d4ae877",
        "table10.txt": "81910d9622f28e17054bd2c009b5f25d74a740a5ccd95e760d98c80c909218a0",
        "table11.md": "26b713c4021dcde9fa79c06210b555f55730382f765b43079427a312a32c87ed",
        "table11.txt": "8a76e30705dac4505802698245230556a7f2a458e2cc389f21188ffdebd5e536",
        "table9.md": "6f7c2c8174980c1d14ee6906286d9dea391be1521c3fcbf34ea4f767f14d50fd",
        "table9.txt": "dd0ce84382c7cd2260122d3dff3c7798c6bc085225365cc99f45f73ba1379d6a"
    },
    "pilot-zones": {
        "figure1.md": "f886abbd6254e0f79eb5bd0dd721f41cd9c9b8d26f58ec2520a9688c92c28b2e",
        "figure1.txt": "819441d33502826aac0fc0aea06307897f1d6ae0dda957eb316fb3ed7fafdfe1",
        "sample.csv": "e3a2aaabea4eb7376b213cb0daff471ab36bfd6fc943b90c671b60991dc1e715",
        "staggered.md": "93acb9523fe15cace14f3330860058a64e3e21df71784e08f1ba97bbb369abbc",
        "staggered.txt": "5e252e875881d833630d7a78555c376e97b5ac15c090f8ed75bab2ca85ce1622",
        "staggered_dynamic.md": "6cde62ebb69beeb5b19aa56737d8bdb3e535a442bff49188d18417dc742abad2",
        "staggered_dynamic.txt": "b66fd3e2c8f2043b870393c57938150338258f09f44add9c803803254bec26d6",
        "summary.md": "f18e79a3eb2d8497455b8f4b6dddf736df76a86412a1e7be33393627fc02608c",
        "table1.md": "aae8fe86cafd79287864c21613951857cb5bcdb3f4a55cf14f4ebf04fc7c0ce6",
        "table1.txt": "90217ce73e22c56197ed081ecda7777f81857bf094cb928c042ea91deba87a90",
        "table2.md": "0de2dadc0fdb062c866b3a4177567fd23228101a543e1b16bbbc29baf97418a7",
        "table2.txt": "c7cc8bb82283ddcfc4a91c9f5c4b869eb0a11c41da2b751036205e3cc93f58b4",
        "table3.md": "d8fb57de5b350bf1f5fc25ed65765e34f2027cfb3b1d243a8e322a9cdb211b3b",
        "table3.txt": "bafddddcc7beb1a205000e0f3a06baf8ccb115c3880d7f8546b8200296a52a63",
        "table3_balance.md": "86c0c8334b53b44564893006153fc8a4edf1bbc6152933f130f685556d8125ae",
        "table3_balance.txt": "562ec99f490802fe5dfc470333c9eac0e66047b69348048749a4d43149bd7658",
        "table3_twfe.md": "bb2bffa255f47a7b9877fd7ab651ce308f2d965cd51bb6a1342d9e6bcfcd612c",
        "table3_twfe.txt": "b13fb25499d5067bde45d429c9b4125ee9173eb3074d73fa0ea8392946a2eb5c",
        "table4.md": "383417498e50f8969e0b684bc86c574eec0699fcafdb9261b36ed6be7993a222",
        "table4.txt": "aa329619462cbc75cc2d44bc00a106c302241243d813785d7f01f422cc54975e",
        "table5.md": "4984825dc6cf179e19ca5f87e7107a9c68814f6edce34d657c740a38e5694de4",
        "table5.txt": "6327ced0a52d6adc28fe8ed3eb394362a0793325735bf93b9150ecbb82ada522"
    }
}


#: Outputs changed since on purpose (a table defect fixed), with their new checksums and why.
CHANGED: dict[str, dict[str, tuple[str, str]]] = {
    "trade-facilitation": {
        "summary.md": ("1ddc34682c413766074c1cbc26932c6d7a3bc337d6f1033738462617e4a6aa28",
            "the summary lists the comparisons of Tables 2, 4 and 5"),
        "table3.md": ("365c935cb43069bebe07b89654a794f35589f407366922ad34c016875047d946",
            "a coefficient of -6.67e-05 printed with more decimals among 3-decimal numbers, "
            "with a note; header lines in the Markdown header row"),
        "table3.txt": ("9e64143d85cbc270bb6aabf31172a512363fa315479b5a723053b2cea992c5e8",
            "a coefficient of -6.67e-05 printed with more decimals among 3-decimal numbers, "
            "with a note"),
        "table3_iid.md": ("2047f593a506752c6bae684ea02207ac6229c6616d9892b3471de9b2a79ece0e",
            "a coefficient of -6.67e-05 printed with more decimals among 3-decimal numbers, "
            "with a note; header lines in the Markdown header row"),
        "table3_iid.txt": ("ca038172acb2e7fc4914bca8109f15b3b20df555ffbe6ee43338ae47432ce599",
            "a coefficient of -6.67e-05 printed with more decimals among 3-decimal numbers, "
            "with a note"),
        "table4.md": ("f601cea6f6aca9c02a8278dc4c7850c71460625e2c3098c951a70ca76f2d3114",
            "header lines in the Markdown header row"),
        "table4_iid.md": ("b4b58aee147d857d0f63d0f8d76ad62620bef400beee2a5bfce00f5abb5d0938",
            "header lines in the Markdown header row"),
        "table5.md": ("885398a975f458e06aa4414f3551c7b0a23b7cba2d2f33d24bb23bacddeeb10b",
            "header lines in the Markdown header row"),
        "table5_iid.md": ("0df7401c66c8005b485e863f29e04bd409a7a10b6945b52569dc35cfa5015601",
            "header lines in the Markdown header row"),
    },
    "tbt-gravity": {
        "table9.md": ("ad4ce607e9bfde06ce0ff630b37a3a8c9a40722c7b4f1d1fca8ca6ec8522cf53",
            "study 001's layout; header lines in the Markdown header row"),
        "table9.txt": ("bb61187e827259614d74fa51ae31caca0add5e4fdb55d4344e0eb51c87c88d47",
            "study 001's layout: FTA and Depth x FTA apart, exporter/importer/year effects, "
            "distance estimated"),
        "table10.md": ("2dfbc34d36292bdd0f77f72abc63a354d517d6735dfbda52410796d3176ba77a",
            "study 001's layout; header lines in the Markdown header row"),
        "table10.txt": ("85eddcc0da572208e5078ea13338484dea58cdc6afd2c76c70f62f8d318a2db4",
            "study 001's layout: FTA and Depth x FTA apart, exporter/importer/year effects, "
            "distance estimated"),
        "robustness_lag.md": ("88fcc50feacf7ea468ac2d3e6172db47c7dc5d9f6455f06ef75eb200640b5db7",
            "no ln distance beside the pair effects; header lines in the Markdown header row"),
        "robustness_lag.txt": ("463fc2eba283088022d66285abcf1b9f5ac0fc6a6bcf90309c9ff2ae159e77d3",
            "no ln distance beside the pair effects (it was dropped with a note in every "
            "table)"),
        "structural_ppml.md": ("96103305bdebef2020b4ce03053b2ca15f3e96578461b955de5ca4582a154606",
            "PPML columns print no R-squared; no ln distance beside the pair effects; header "
            "lines in the Markdown header row"),
        "structural_ppml.txt": ("a4fdb5756d6ea85ff15a87f782cef403cde9294f415b7a930a82f92355a8be37",
            "PPML columns print no R-squared; no ln distance beside the pair effects (it was "
            "dropped with a note in every table)"),
        "sample.csv": ("62fbf9d124e50f69eeac2b1765475a0cd802b4fcb2c6d1c702bccb8388154d6e",
            "usage columns of the new tables"),
        "summary.md": ("5573ba7330ac0220bf96cdfc1f372fa92f335b347d55166550f356f08ef4c29a",
            "new tables (5, 6, 8, pair versions, comparisons) and the Tables 5-6 notes"),
    },
    "pilot-zones": {
        "table5.md": ("c63f73a0622d2a055cb98d15395e8802e53942a6e28a5653fc2b29288172d588",
            "Table 5 runs on the bundle: moderation by provincial openness in 2014; header "
            "lines in the Markdown header row; GDP per capita from GDP / LandScan population "
            "(larger matched sample)"),
        "table5.txt": ("e25a8787e4f44a944d2012c2412ee3867626df4e8992fc661de4f2823e11c480",
            "Table 5 runs on the bundle: moderation by provincial openness in 2014; GDP per "
            "capita from GDP / LandScan population (larger matched sample)"),
        "sample.csv": ("bc2776d8e85759fb382c6b96aab375da21335481787cf3b2d8abc4e50e27c2af",
            "the sample holds the openness moderator and its inputs; GDP per capita from GDP "
            "/ LandScan population (larger matched sample)"),
        "summary.md": ("6429dea40841e744019c1e20477546457a1bf6114630bbeab09ad5a2b3e9beb8",
            "the summary names the province data, WDI rate, Table 5's moderator and the "
            "outcome coverage table; GDP per capita from GDP / LandScan population (larger "
            "matched sample)"),
        "table3.md": ("2d66af1943060fcc440f945edb23b4725b3cd1605228fa402aa824609d14c1c4",
            "header lines in the Markdown header row; matched once / by year as column "
            "groups; GDP per capita from GDP / LandScan population (larger matched sample)"),
        "table3.txt": ("ffc6abf774518b5a440120b4d7a1f2d7f3293b7044be11fe8cb8f2be78f85add",
            "matched once / by year as column groups: 99 characters wide instead of 208; GDP "
            "per capita from GDP / LandScan population (larger matched sample)"),
        "table3_twfe.md": ("acb5f023346085b2b41de23b5fc29c7853a72367810a24e4f787afd2f509a762",
            "header lines in the Markdown header row; GDP per capita from GDP / LandScan "
            "population (larger matched sample)"),
        "figure1.md": ("4875bc4307c258d79ca44b0761735b07f349f7f4f4ab92dada315d7727247be3",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
        "figure1.txt": ("124a00a0c93105ee25e50e80d174fd61ddde00061939b2b949be9ddc64b87724",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
        "staggered.md": ("23128a83dd632b9b052ef10ecea60ddff33bb0a6b47abef07a89ff5ec0113573",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
        "staggered.txt": ("2b39317b1a6def97f7b9156fda660a74fa9e542fa17449ffa2766fd0352a08b6",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
        "staggered_dynamic.md": ("cd60837c49ab7d0a4c3eeabc714b834948eee040ea6b2c54924a54e144a2436d",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
        "staggered_dynamic.txt": ("376160227b63a47b5f440220beb407e08dec3bf7e437dcaac0b0594cb8e9fe38",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
        "table1.md": ("54431326343627d47823d80d18ae70061e050ce76a15944cc4ec954b36c6be0b",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
        "table1.txt": ("eab941bed060588fe49ae5755015a0f3331f9186f069433a71db2d65950d3318",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
        "table2.md": ("ffcc7dc162fdff484caa7690f5236df24b3b67c0e0ae80110f24a79e8b2cf000",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
        "table2.txt": ("7682ceb948cb7d2ac3e7f1e4680e2a367b62005ebccd62a1cfdb935997315751",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
        "table3_balance.md": ("f9fe982b4b4f9df195aaed7a1955425f6932d86faf528fd7b7f43050be03b20c",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
        "table3_balance.txt": ("2630778db1ebc9c99c1b374b32edcb5402178eeefa0efb45bbf68d196f166730",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
        "table3_twfe.txt": ("a382363eee3165034705cc6b4bf840d9fdd6fe2bd7c6ab7912450854aeb9373b",
            "GDP per capita from GDP / LandScan population (larger matched sample)"),
    },
}


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_builtin_outputs_are_byte_identical(name, builtin_run, reference_dir):
    run = builtin_run(name)
    written = {p.name: p for p in run.out_dir.iterdir()
               if p.is_file() and p.name not in ("manifest.json", "results.json")}
    assert set(BEFORE[name]) <= set(written)  # later features may add outputs
    changed = []
    for file, expected in BEFORE[name].items():
        expected = CHANGED.get(name, {}).get(file, (expected, ""))[0]
        content = written[file].read_bytes()
        for new, old in MOVED.items():
            content = content.replace(new, old)
        if file == "summary.md":
            content = b"".join(line for line in content.splitlines(keepends=True)
                               if not line.startswith(b"- figures/"))
        if hashlib.sha256(content).hexdigest() != expected:
            changed.append(file)
    assert not changed, f"{name}: these outputs changed: {changed}"
