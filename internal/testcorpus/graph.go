package testcorpus

import "strings"

// Platform wheel tag sets, as in file names. On the reference machine
// (CPython 3.11, glibc Linux x86_64) only the cp311 manylinux ones fit.
var platformTags = strings.NewReplacer(
	"$NATIVE", strings.Join([]string{
		"cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64",
		"cp311-cp311-macosx_10_9_x86_64",
		"cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
		"cp311-cp311-musllinux_1_1_x86_64",
		"cp311-cp311-win_amd64",
		"cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
	}, ","),
	"$CP312ONLY", "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64,cp312-cp312-win_amd64",
	"$ABI3", "cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64,cp38-abi3-win_amd64",
)

// Graph is the resolution corpus: 93 projects, 185 releases, 345 files. Versions and
// requirements follow the real projects where they exist (early 2024);
// releases marked "hypothetical" do not exist on PyPI and are there to
// exercise a rule. The acme-* projects are a company's own packages: a
// chain seven deep with diamonds.
var Graph = platformTags.Replace(`
== Flask
2.0.3 sdist
  Werkzeug>=2.0
  Jinja2>=3.0
  itsdangerous>=2.0
  click>=7.1.2
  [async] asgiref>=3.2
  [dotenv] python-dotenv
2.2.5 sdist
  Werkzeug>=2.2.2
  Jinja2>=3.0
  itsdangerous>=2.0
  click>=8.0
  importlib-metadata>=3.6.0; python_version < "3.10"
  [async] asgiref>=3.2
  [dotenv] python-dotenv
2.3.3 sdist python=>=3.8
  Werkzeug>=2.3.7
  Jinja2>=3.1.2
  itsdangerous>=2.1.2
  click>=8.1.3
  blinker>=1.6.2
  importlib-metadata>=3.6.0; python_version < "3.10"
  [async] asgiref>=3.2
  [dotenv] python-dotenv
3.0.3 sdist python=>=3.8
  Werkzeug>=3.0.0
  Jinja2>=3.1.2
  itsdangerous>=2.1.2
  click>=8.1.3
  blinker>=1.6.2
  importlib-metadata>=3.6.0; python_version < "3.10"
  [async] asgiref>=3.2
  [dotenv] python-dotenv
3.1.0rc1 python=>=3.9
  Werkzeug>=3.1
  Jinja2>=3.1.2
  itsdangerous>=2.2
  click>=8.1.3
  blinker>=1.8
== Werkzeug
2.0.3
2.2.3 python=>=3.7
  MarkupSafe>=2.1.1
  [watchdog] watchdog
2.3.8 python=>=3.8 like=2.2.3
3.0.1 python=>=3.8
  MarkupSafe>=2.1.1
  [watchdog] watchdog>=2.3
3.0.2 python=>=3.8 yanked=regression_in_the_debugger like=3.0.1
== Jinja2
2.11.3
  MarkupSafe>=0.23
  [i18n] Babel>=0.8
3.0.3 python=>=3.6
  MarkupSafe>=2.0
  [i18n] Babel>=2.7
3.1.2 python=>=3.7 like=3.0.3
3.1.3 python=>=3.7 like=3.0.3
== MarkupSafe
2.0.1 tags=$NATIVE sdist
2.1.3 tags=$NATIVE sdist
2.1.5 tags=$NATIVE sdist
# hypothetical: a release for Python 3.12 only
3.0.0 tags=$CP312ONLY sdist python=>=3.12
== itsdangerous
2.0.1
2.1.2 python=>=3.7
== click
7.1.2
8.0.4
  colorama; platform_system == "Windows"
  importlib-metadata; python_version < "3.8"
8.1.7 python=>=3.7 like=8.0.4
== blinker
1.6.3
1.7.0 python=>=3.8
== asgiref
3.7.2
  typing-extensions>=4; python_version < "3.11"
  [tests] pytest
== python-dotenv
1.0.0
  [cli] click>=5.0
1.0.1 like=1.0.0
== colorama
0.4.6
== importlib-metadata
6.8.0
  zipp>=0.5
7.0.1 like=6.8.0
== zipp
3.17.0
== watchdog
3.0.0 tags=$NATIVE
4.0.0 tags=$NATIVE python=>=3.8
== Babel
2.14.0
  pytz>=2015.7; python_version < "3.9"
== pytz
2024.1

== requests
2.28.2 sdist
  charset-normalizer<4,>=2
  idna<4,>=2.5
  urllib3<1.27,>=1.21.1
  certifi>=2017.4.17
  [socks] PySocks!=1.5.7,>=1.5.6
  [use_chardet_on_py3] chardet<6,>=3.0.2
2.31.0 sdist
  charset-normalizer<4,>=2
  idna<4,>=2.5
  urllib3<3,>=1.21.1
  certifi>=2017.4.17
  [socks] PySocks!=1.5.7,>=1.5.6
  [use_chardet_on_py3] chardet<6,>=3.0.2
== urllib3
1.26.18 sdist
  [brotli] brotli==1.0.9; os_name != "nt" and python_version < "3" and platform_python_implementation == "CPython"
  [brotli] brotli>=1.0.9; python_version >= "3" and platform_python_implementation == "CPython"
  [brotli] brotlicffi>=0.8.0; (os_name != "nt" or python_version >= "3") and platform_python_implementation != "CPython"
  [socks] PySocks!=1.5.7,<2.0,>=1.5.6
2.0.7 python=>=3.7 sdist
  [brotli] brotli>=1.0.9; platform_python_implementation == "CPython"
  [brotli] brotlicffi>=0.8.0; platform_python_implementation != "CPython"
  [socks] pysocks!=1.5.7,<2.0,>=1.5.6
  [zstd] zstandard>=0.18.0
2.1.0 python=>=3.8 sdist like=2.0.7
2.2.1 python=>=3.8 sdist like=2.0.7
# hypothetical: the next release drops Python 3.11
2.3.0 python=>=3.12 sdist like=2.0.7
== idna
3.4
3.6 python=>=3.5
== certifi
2023.7.22
2023.11.17
2024.2.2
== charset-normalizer
3.3.0 tags=$NATIVE
3.3.2 tags=$NATIVE
== PySocks
1.7.1
== chardet
5.2.0
== Brotli
1.1.0 tags=$NATIVE
== brotlicffi
1.1.0.0 tags=$ABI3
  cffi>=1.0.0
== cffi
1.16.0 tags=$NATIVE
  pycparser
== pycparser
2.21
== zstandard
0.22.0 tags=$NATIVE
  cffi>=1.11; platform_python_implementation == "PyPy"

== httpx
0.24.1 python=>=3.7
  certifi
  httpcore<0.18.0,>=0.15.0
  idna
  sniffio
  [brotli] brotli; platform_python_implementation == "CPython"
  [brotli] brotlicffi; platform_python_implementation != "CPython"
  [cli] click==8.*
  [cli] pygments==2.*
  [cli] rich<14,>=10
  [http2] h2<5,>=3
  [socks] socksio==1.*
0.26.0 python=>=3.8
  anyio
  certifi
  httpcore==1.*
  idna
  sniffio
  [brotli] brotli; platform_python_implementation == "CPython"
  [brotli] brotlicffi; platform_python_implementation != "CPython"
  [cli] click==8.*
  [cli] pygments==2.*
  [cli] rich<14,>=10
  [http2] h2<5,>=3
  [socks] socksio==1.*
0.27.0 python=>=3.8 like=0.26.0
== httpcore
0.17.3 python=>=3.7
  h11<0.15,>=0.13
  sniffio==1.*
  anyio<5.0,>=3.0
  certifi
  [http2] h2<5,>=3
1.0.2 python=>=3.8
  certifi
  h11<0.15,>=0.13
  [asyncio] anyio<5.0,>=4.0
  [http2] h2<5,>=3
  [trio] trio<0.23.0,>=0.22.0
1.0.4 python=>=3.8 like=1.0.2
== anyio
3.7.1 python=>=3.7
  idna>=2.8
  sniffio>=1.1
  exceptiongroup; python_version < "3.11"
  [trio] trio<0.22
4.2.0 python=>=3.8
  idna>=2.8
  sniffio>=1.1
  exceptiongroup>=1.0.2; python_version < "3.11"
  typing-extensions>=4.1; python_version < "3.11"
  [trio] trio>=0.23
4.3.0 python=>=3.8 like=4.2.0
4.4.0rc1 python=>=3.8 like=4.2.0
== sniffio
1.3.0
1.3.1 python=>=3.7
== h11
0.14.0
== h2
4.1.0 python=>=3.6.1
  hyperframe<7,>=6.0
  hpack<5,>=4.0
== hyperframe
6.0.1
== hpack
4.0.0
== exceptiongroup
1.2.0
== socksio
1.0.0
== trio
0.22.2
  attrs>=20.1.0
  sortedcontainers
  idna
  outcome
  sniffio
0.24.0 python=>=3.8 like=0.22.2
== attrs
23.1.0
23.2.0
== sortedcontainers
2.4.0
== outcome
1.3.0
  attrs>=19.2.0

== pydantic
1.10.13 tags=$NATIVE sdist
  typing-extensions>=4.2.0
  [dotenv] python-dotenv>=0.10.4
  [email] email-validator>=1.0.3
2.5.3 python=>=3.7 sdist
  annotated-types>=0.4.0
  pydantic-core==2.14.6
  typing-extensions>=4.6.1
  [email] email-validator>=2.0.0
2.6.1 python=>=3.8 sdist
  annotated-types>=0.4.0
  pydantic-core==2.16.2
  typing-extensions>=4.6.1
  [email] email-validator>=2.0.0
2.6.2 python=>=3.8 sdist
  annotated-types>=0.4.0
  pydantic-core==2.16.3
  typing-extensions>=4.6.1
  [email] email-validator>=2.0.0
2.7.0b1 python=>=3.8
  annotated-types>=0.4.0
  pydantic-core==2.17.0
  typing-extensions>=4.6.1
  [email] email-validator>=2.0.0
== pydantic-core
2.14.6 tags=$NATIVE sdist
  typing-extensions!=4.7.0,>=4.6.0
2.16.2 tags=$NATIVE sdist like=2.14.6
2.16.3 tags=$NATIVE sdist like=2.14.6
2.17.0 tags=$NATIVE like=2.14.6
== annotated-types
0.6.0
  typing-extensions>=4.0.0; python_version < "3.9"
== typing-extensions
4.5.0
4.7.0
4.8.0 python=>=3.8
4.9.0 python=>=3.8
4.10.0rc1 python=>=3.8
== pydantic-settings
2.1.0 python=>=3.8
  pydantic>=2.3.0
  python-dotenv>=0.21.0
2.2.1 python=>=3.8 like=2.1.0
== email-validator
1.3.1
  dnspython>=1.15.0
  idna>=2.0.0
2.1.0.post1 python=>=3.8
  dnspython>=2.0.0
  idna>=2.0.0
== dnspython
2.4.2 python=>=3.8,<4.0
  [doh] httpx>=0.24.1
  [doh] h2>=4.1.0
  [idna] idna>=2.1
2.5.0 python=>=3.8 like=2.4.2
# hypothetical: the next release drops Python 3.11
2.6.0 python=>=3.12 like=2.4.2
== fastapi
0.100.1 python=>=3.7
  pydantic!=1.8,!=1.8.1,!=2.0.0,!=2.0.1,!=2.1.0,<3.0.0,>=1.7.4
  starlette<0.28.0,>=0.27.0
  typing-extensions>=4.5.0
  [all] httpx>=0.23.0
  [all] jinja2>=2.11.2
  [all] python-multipart>=0.0.5
  [all] itsdangerous>=1.1.0
  [all] pyyaml>=5.3.1
  [all] ujson!=4.0.2,!=4.1.0,!=4.2.0,!=4.3.0,!=5.0.0,!=5.1.0,>=4.0.1
  [all] orjson>=3.2.1
  [all] email-validator>=2.0.0
  [all] uvicorn[standard]>=0.12.0
0.109.2 python=>=3.8
  pydantic!=1.8,!=1.8.1,!=2.0.0,!=2.0.1,!=2.1.0,<3.0.0,>=1.7.4
  starlette<0.37.0,>=0.36.3
  typing-extensions>=4.8.0
  [all] httpx>=0.23.0
  [all] jinja2>=2.11.2
  [all] python-multipart>=0.0.7
  [all] itsdangerous>=1.1.0
  [all] pyyaml>=5.3.1
  [all] ujson!=4.0.2,!=4.1.0,!=4.2.0,!=4.3.0,!=5.0.0,!=5.1.0,>=4.0.1
  [all] orjson>=3.2.1
  [all] email-validator>=2.0.0
  [all] uvicorn[standard]>=0.12.0
  [all] pydantic-settings>=2.0.0
  [all] pydantic-extra-types>=2.0.0
0.110.0 python=>=3.8 like=0.109.2
== starlette
0.27.0 python=>=3.7
  anyio<5,>=3.4.0
  typing-extensions>=3.10.0; python_version < "3.10"
  [full] itsdangerous
  [full] jinja2
  [full] python-multipart
  [full] pyyaml
  [full] httpx>=0.22.0
0.36.3 python=>=3.8 like=0.27.0
0.37.1 python=>=3.8 like=0.27.0
== pydantic-extra-types
2.5.0 python=>=3.8
  pydantic>=2.5.2
== uvicorn
0.23.2 python=>=3.8
  click>=7.0
  h11>=0.8
  typing-extensions; python_version < "3.11"
  [standard] colorama>=0.4; sys_platform == "win32"
  [standard] httptools>=0.5.0
  [standard] python-dotenv>=0.13
  [standard] pyyaml>=5.1
  [standard] uvloop!=0.15.0,!=0.15.1,>=0.14.0; sys_platform != "win32" and (sys_platform != "cygwin" and platform_python_implementation != "PyPy")
  [standard] watchfiles>=0.13
  [standard] websockets>=10.4
0.27.1 python=>=3.8 like=0.23.2
== httptools
0.6.1 tags=$NATIVE
== uvloop
0.19.0 tags=$NATIVE
== watchfiles
0.21.0 tags=$NATIVE
  anyio>=3.0.0
== websockets
11.0.3 tags=$NATIVE
12.0 tags=$NATIVE python=>=3.8
== PyYAML
6.0.1 tags=$NATIVE sdist
== python-multipart
0.0.6
0.0.7
0.0.9 python=>=3.8
== orjson
3.9.15 tags=$NATIVE
== ujson
5.9.0 tags=$NATIVE

== pytest
7.4.4 python=>=3.7
  iniconfig
  packaging
  pluggy<2.0,>=0.12
  exceptiongroup>=1.0.0rc8; python_version < "3.11"
  tomli>=1.0.0; python_version < "3.11"
  colorama; sys_platform == "win32"
  [testing] argcomplete
8.0.2 python=>=3.8
  iniconfig
  packaging
  pluggy<2.0,>=1.3.0
  exceptiongroup>=1.0.0rc8; python_version < "3.11"
  tomli>=1.0.0; python_version < "3.11"
  colorama; sys_platform == "win32"
8.1.1 python=>=3.8
  iniconfig
  packaging
  pluggy<2.0,>=1.4
  exceptiongroup>=1.0.0rc8; python_version < "3.11"
  tomli>=1; python_version < "3.11"
  colorama; sys_platform == "win32"
== iniconfig
2.0.0
== packaging
23.1
23.2
24.0
== pluggy
1.3.0 python=>=3.8
1.4.0 python=>=3.8
== tomli
2.0.1
== pytest-cov
4.1.0
  pytest>=4.6
  coverage[toml]>=5.2.1
== coverage
7.4.1 tags=$NATIVE
  [toml] tomli; python_full_version <= "3.11.0a6"
7.4.3 tags=$NATIVE like=7.4.1
== pytest-asyncio
0.21.1 python=>=3.7
  pytest>=7.0.0
0.23.5 python=>=3.8
  pytest<9,>=8.0

== rich
12.6.0
  commonmark<0.10.0,>=0.9.0
  pygments<3.0.0,>=2.6.0
  typing-extensions<5.0,>=4.0.0; python_version < "3.9"
13.7.0 python=>=3.7
  markdown-it-py>=2.2.0
  pygments<3.0.0,>=2.13.0
  typing-extensions<5.0,>=4.0.0; python_version < "3.9"
13.7.1 python=>=3.7 like=13.7.0
== commonmark
0.9.1
== markdown-it-py
3.0.0 python=>=3.8
  mdurl~=0.1
== mdurl
0.1.2
== Pygments
2.16.1
2.17.2
== typer
0.7.0
  click<9.0.0,>=7.1.1
  [all] colorama<0.5.0,>=0.4.3
  [all] shellingham<2.0.0,>=1.3.0
  [all] rich<13.0.0,>=10.11.0
0.9.0
  click<9.0.0,>=7.1.1
  typing-extensions>=3.7.4.3
  [all] colorama<0.5.0,>=0.4.3
  [all] shellingham<2.0.0,>=1.3.0
  [all] rich<14.0.0,>=10.11.0
== shellingham
1.5.4
== ruamel.yaml
0.18.5
  ruamel.yaml.clib>=0.2.7; platform_python_implementation == "CPython" and python_version < "3.13"
0.18.6 like=0.18.5
== ruamel.yaml.clib
0.2.8 tags=$NATIVE

== boto3
1.33.13
  botocore<1.34.0,>=1.33.13
  jmespath<2.0.0,>=0.7.1
  s3transfer<0.9.0,>=0.8.2
  [crt] botocore[crt]<2.0a0,>=1.21.0
1.34.50 python=>=3.8
  botocore<1.35.0,>=1.34.50
  jmespath<2.0.0,>=0.7.1
  s3transfer<0.11.0,>=0.10.0
  [crt] botocore[crt]<2.0a0,>=1.21.0
== botocore
1.33.13
  jmespath<2.0.0,>=0.7.1
  python-dateutil<3.0.0,>=2.1
  urllib3<1.27,>=1.25.4; python_version < "3.10"
  urllib3<2.1,>=1.25.4; python_version >= "3.10"
  [crt] awscrt==0.19.17
1.34.50 python=>=3.8 like=1.33.13
== s3transfer
0.8.2
  botocore<2.0a.0,>=1.33.2
  [crt] botocore[crt]<2.0a.0,>=1.33.2
0.10.0 python=>=3.8 like=0.8.2
== jmespath
1.0.1
== python-dateutil
2.8.2
  six>=1.5
2.9.0.post0 like=2.8.2
== six
1.16.0
== awscrt
0.19.17 tags=$NATIVE

== acme-app
1.0
  acme-web>=1.0
  acme-cli>=1.0
1.1
  acme-web>=1.0
  acme-cli>=1.0
  [rich] acme-log[rich]
2.0
  acme-web>=2.0
  acme-cli>=2.0
  [rich] acme-log[rich]
== acme-web
1.0
  acme-api>=1.0
  acme-auth>=1.0
  Flask>=2.2
2.0
  acme-api>=2.0
  acme-auth>=1.1
  Flask>=3.0
  [async] Flask[async]>=3.0
== acme-api
1.0
  acme-core>=1.0
  pydantic<2,>=1.10
2.0
  acme-core>=2.0
  pydantic[email]>=2.5
== acme-core
1.0
  acme-model>=1.0
  acme-util
2.0
  acme-model>=2.0
  acme-util>=1.1
2.1
  acme-model>=2.1
  acme-util>=1.1
== acme-model
1.0
  acme-util
2.0
  acme-util>=1.1
  typing-extensions>=4.8
2.1
  acme-util>=2.0
  typing-extensions>=4.8
== acme-util
1.0
1.1
2.0
  acme-log>=1.0
== acme-log
1.0
1.1
  [rich] rich>=13
== acme-auth
1.0
  acme-core>=1.0
  requests
1.1
  acme-core>=2.0
  requests[socks]>=2.31
  urllib3>=2
== acme-cli
1.0
  acme-core
  click>=8
2.0
  acme-core>=2.0
  typer[all]>=0.9
`)

// Newer are releases published after an environment was installed from
// Graph, for list -o: newer wheels, a newer release that is a source
// distribution only, pre-releases, a yanked newest release, and newer
// releases that do not fit the machine (Python 3.12 only, by
// Requires-Python or by wheel tags).
var Newer = platformTags.Replace(`
== six
# a newer release with no wheel: Type sdist
1.17.0 sdist-only
== idna
3.7 python=>=3.5
== certifi
2024.6.2
== packaging
24.1rc1
== PyYAML
# a newer release with no wheel for this machine, and its sdist: Type sdist
6.0.2 tags=$CP312ONLY sdist
== click
8.2.0 python=>=3.12
== pluggy
1.5.0 yanked=broken_entry_points
== tomli
2.1.0 yanked
2.2.0a1
== attrs
24.1.0 yanked=wrong_metadata
== jmespath
1.1.0 tags=$CP312ONLY
== orjson
3.10.0 tags=$NATIVE
3.10.1rc1 tags=$NATIVE
== pycparser
2.22 sdist
== sortedcontainers
3.0.0b1
== commonmark
0.9.2 sdist-only python=>=3.6
== hpack
4.0.0.post1
== exceptiongroup
1.2.1 python=>=3.7
`)
