// otasuke-scan-pcap: the scan-pcap command on its own.
#include "agent/network/scan/scan_pcap_command.h"

int main(int argc, char** argv) { return otasuke::network::RunScanPcap(argc, argv); }
