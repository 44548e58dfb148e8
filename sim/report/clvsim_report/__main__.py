import sys

try:
    from .cli import main
except ImportError as e:  # h5py, numpy or matplotlib missing
    print(f"clvsim: failure: the report needs {e.name or e}; install python3-h5py and python3-matplotlib "
          f"(tools/install-deps.sh)", file=sys.stderr)
    sys.exit(1)

sys.exit(main())
