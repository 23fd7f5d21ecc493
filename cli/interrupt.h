// SIGINT and SIGTERM during `run` or `sweep`: the temporary files being written are removed,
// whatever was at their targets is kept, and the process exits 130 or 143 with a message.
#pragma once

namespace tcpsim::cli {

// Installs the handler for both signals, except one the process was started ignoring (a
// background job of a shell without job control, nohup). The handler ends the process at
// once: a run under way is lost either way, and the files a finished run or sweep recorded are
// complete, so the only state to put right is the temporaries (io::remove_temporary_files).
void remove_temporaries_on_interrupt();

}  // namespace tcpsim::cli
